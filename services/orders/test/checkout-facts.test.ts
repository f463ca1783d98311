import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type EventData,
  type EventDefinition,
  PaymentCaptured,
  PaymentFailed,
  PaymentRefunded,
  PaymentVoided,
  StockReleased,
  StockReservationFailed,
  StockReserved,
} from '@mercato/contracts';
import { type CheckoutOrder, decide, type FlowInput } from '../src/domain/checkout.flow.ts';
import { checkoutFacts } from '../src/domain/checkout-facts.ts';

const ID = '0195a1b2-0000-7000-8000-000000000001';
const context = { stepTimeoutMs: 1_000, reservationTtlSeconds: 6, now: new Date('2025-03-01T12:00:00.000Z') };
const order = (state: Partial<CheckoutOrder> = {}): CheckoutOrder => ({
  id: ID,
  userId: 'user-1',
  status: 'pending',
  lines: [],
  currency: 'EUR',
  total: 4_599,
  paymentStatus: 'pending',
  sagaStep: 'reserving',
  pendingReason: null,
  awaitingStockRelease: false,
  awaitingPaymentReturn: false,
  paymentReturn: null,
  stepAttempts: 0,
  ...state,
});
const reply = <E extends EventDefinition>(event: E, data: EventData<E>): FlowInput => ({
  kind: 'reply',
  reply: { type: event.type, data } as never,
});
const factsOf = (state: CheckoutOrder, input: FlowInput) => checkoutFacts(state, input, decide(state, input, context));
const round = (state: Partial<CheckoutOrder>) =>
  order({
    sagaStep: 'compensating',
    pendingReason: 'payment_declined',
    awaitingStockRelease: true,
    awaitingPaymentReturn: true,
    paymentReturn: 'void',
    ...state,
  });

describe('checkout facts: what a decision counts', () => {
  it("a step's reply answers that step; the capture's also confirms the order for its total in its currency", () => {
    assert.deepEqual(factsOf(order(), reply(StockReserved, { reservationId: ID, lines: [], expiresAt: context.now.toISOString() })), {
      answered: ['reserve'],
    });
    const captured = reply(PaymentCaptured, { orderId: ID, paymentId: 'p', amount: { amount: 4_599, currency: 'EUR' } });
    assert.deepEqual(factsOf(order({ sagaStep: 'capturing', paymentStatus: 'authorized' }), captured), {
      answered: ['capture'],
      confirmed: { amount: 4_599, currency: 'EUR' },
    });
  });

  it('a reservation that failed answers the reserve and ends the checkout cancelled out_of_stock', () => {
    const failed = reply(StockReservationFailed, { reservationId: ID, reason: 'out_of_stock', skus: ['MUG-1'] });
    assert.deepEqual(factsOf(order(), failed), { answered: ['reserve'], cancelled: 'out_of_stock' });
  });

  it('a declined authorization answers the authorize; the cancellation is counted when the round ends, with the void', () => {
    const declined = reply(PaymentFailed, { orderId: ID, operation: 'authorize', reason: 'payment_declined', detail: 'card_declined' });
    assert.deepEqual(factsOf(order({ sagaStep: 'authorizing' }), declined), { answered: ['authorize'] });
    assert.deepEqual(factsOf(round({}), reply(StockReleased, { reservationId: ID })), { answered: ['release'] });
    assert.deepEqual(factsOf(round({ awaitingStockRelease: false }), reply(PaymentVoided, { orderId: ID, paymentId: null })), {
      answered: ['void'],
      cancelled: 'payment_declined',
    });
  });

  it('a duplicate or late reply, a missed deadline and a refused cancel count nothing', () => {
    const nothing = { answered: [] };
    const reserved = reply(StockReserved, { reservationId: ID, lines: [], expiresAt: context.now.toISOString() });
    assert.deepEqual(factsOf(order({ sagaStep: 'authorizing' }), reserved), nothing);
    assert.deepEqual(factsOf(order({ status: 'confirmed', sagaStep: 'done' }), reserved), nothing);
    assert.deepEqual(factsOf(round({ awaitingStockRelease: false }), reply(StockReleased, { reservationId: ID })), nothing);
    assert.deepEqual(factsOf(order({ sagaStep: 'committing' }), { kind: 'deadline' }), nothing);
    assert.deepEqual(factsOf(order({ status: 'cancelled', sagaStep: 'done' }), { kind: 'cancel' }), nothing);
  });

  it('an order cancelled after its confirmation stays counted as confirmed: the refund is answered, nothing cancelled', () => {
    const refunding = round({
      status: 'confirmed',
      pendingReason: 'customer_request',
      paymentReturn: 'refund',
      awaitingStockRelease: false,
    });
    const refunded = reply(PaymentRefunded, { orderId: ID, paymentId: 'p', amount: { amount: 4_599, currency: 'EUR' } });
    assert.equal(decide(refunding, refunded, context).change.status, 'cancelled');
    assert.deepEqual(factsOf(refunding, refunded), { answered: ['refund'] });
  });
});
