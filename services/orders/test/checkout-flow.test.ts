import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AuthorizePayment,
  CapturePayment,
  CommitStock,
  type EventData,
  type EventDefinition,
  OrderCancelled,
  OrderConfirmed,
  OrderPlaced,
  OrderShipped,
  PaymentAuthorized,
  PaymentCaptured,
  PaymentFailed,
  PaymentRefunded,
  PaymentVoided,
  RefundPayment,
  ReleaseStock,
  ReserveStock,
  StockCommitFailed,
  StockCommitted,
  StockReleased,
  StockReservationFailed,
  StockReserved,
  VoidPayment,
} from '@mercato/contracts';
import fc from 'fast-check';
import {
  type CheckoutChange,
  type CheckoutOrder,
  type Command,
  type Decision,
  decide,
  type FlowInput,
  firstDeadline,
  orderIdOf,
  type Reply,
  type ReplyOf,
  ship,
  start,
} from '../src/domain/checkout.flow.ts';
import { type CheckoutFacts, checkoutFacts } from '../src/domain/checkout-facts.ts';

const timing = { stepTimeoutMs: 1_000, reservationTtlSeconds: 6 };
const now = new Date('2025-03-01T12:00:00.000Z');
const context = { ...timing, now };
const ID = '0195a1b2-0000-7000-8000-000000000001';

const placed = (state: Partial<CheckoutOrder> = {}): CheckoutOrder => ({
  id: ID,
  userId: 'user-1',
  status: 'pending',
  lines: [
    {
      sku: 'MUG-1',
      productId: '0195a1b2-0000-7000-8000-0000000000aa',
      name: 'Mug',
      unitPrice: { amount: 1500, currency: 'USD' },
      quantity: 2,
    },
  ],
  currency: 'USD',
  total: 3000,
  paymentStatus: 'pending',
  sagaStep: 'reserving',
  pendingReason: null,
  awaitingStockRelease: false,
  awaitingPaymentReturn: false,
  paymentReturn: null,
  stepAttempts: 0,
  ...state,
});

const reply = <E extends EventDefinition>(event: E, data: EventData<E>): ReplyOf<E> => ({ type: event.type, data });
const amount = { amount: 3000, currency: 'USD' };

/** Every reply the flow can get, the payment failures once per operation and reason. */
const REPLIES = {
  'stock reserved': reply(StockReserved, { reservationId: ID, lines: [{ sku: 'MUG-1', quantity: 2 }], expiresAt: now.toISOString() }),
  'stock reservation failed': reply(StockReservationFailed, { reservationId: ID, reason: 'out_of_stock', skus: ['MUG-1'] }),
  'stock committed': reply(StockCommitted, { reservationId: ID }),
  'stock commit failed': reply(StockCommitFailed, { reservationId: ID, reason: 'expired' }),
  'stock released': reply(StockReleased, { reservationId: ID }),
  'payment authorized': reply(PaymentAuthorized, { orderId: ID, paymentId: 'pay-1', amount, brand: 'visa', last4: '4242' }),
  'authorize declined': reply(PaymentFailed, { orderId: ID, operation: 'authorize', reason: 'payment_declined', detail: 'card_declined' }),
  'authorize failed': reply(PaymentFailed, { orderId: ID, operation: 'authorize', reason: 'payment_failed', detail: 'provider down' }),
  'capture failed': reply(PaymentFailed, { orderId: ID, operation: 'capture', reason: 'payment_failed', detail: 'provider down' }),
  'payment captured': reply(PaymentCaptured, { orderId: ID, paymentId: 'pay-1', amount }),
  'payment voided': reply(PaymentVoided, { orderId: ID, paymentId: 'pay-1' }),
  'payment refunded': reply(PaymentRefunded, { orderId: ID, paymentId: 'pay-1', amount }),
} satisfies Record<string, Reply>;
type Input = keyof typeof REPLIES | 'deadline' | 'customer cancel';

const inputOf = (name: Input): FlowInput =>
  name === 'deadline' ? { kind: 'deadline' } : name === 'customer cancel' ? { kind: 'cancel' } : { kind: 'reply', reply: REPLIES[name] };

const NAMES = new Map<string, string>(
  Object.entries({
    ReserveStock,
    CommitStock,
    ReleaseStock,
    AuthorizePayment,
    CapturePayment,
    VoidPayment,
    RefundPayment,
    OrderPlaced,
    OrderConfirmed,
    OrderCancelled,
    OrderShipped,
  }).map(([name, event]) => [event.type, name]),
);

/** A decision in a few words: where the order goes (or what it records) and the commands it sends. */
function summary(decision: Decision): string {
  if (decision.refused) return 'refused';
  const { change } = decision;
  const where =
    change.status === 'cancelled'
      ? `cancelled ${change.cancelReason}`
      : change.status === 'confirmed'
        ? 'confirmed'
        : change.sagaStep === 'compensating'
          ? `compensating ${change.pendingReason}`
          : (change.sagaStep ??
            (Object.keys(change).length === 0
              ? 'nothing'
              : `records ${Object.entries(change)
                  .map(([key, value]) => `${key}=${value instanceof Date ? `+${value.getTime() - now.getTime()}ms` : value}`)
                  .join(' ')}`));
  const sent = decision.commands.map((command) => NAMES.get(command.event.type)).join(' ');
  return sent ? `${where}: ${sent}` : where;
}

const compensating = (state: Partial<CheckoutOrder>): Partial<CheckoutOrder> => ({
  sagaStep: 'compensating',
  pendingReason: 'customer_request',
  awaitingStockRelease: true,
  awaitingPaymentReturn: true,
  paymentReturn: 'void',
  ...state,
});

/**
 * Every input in every state. A cell left out of a state's row means the input changes nothing and
 * sends nothing (a duplicate, a reply overtaken by a cancel, or one for another step).
 */
const TABLE: Record<string, { state: Partial<CheckoutOrder>; expect: Partial<Record<Input, string>> }> = {
  reserving: {
    state: {},
    expect: {
      'stock reserved': 'authorizing: AuthorizePayment',
      'stock reservation failed': 'cancelled out_of_stock: OrderCancelled',
      deadline: 'compensating expired: ReleaseStock VoidPayment',
      'customer cancel': 'compensating customer_request: ReleaseStock VoidPayment',
    },
  },
  authorizing: {
    state: { sagaStep: 'authorizing' },
    expect: {
      'payment authorized': 'committing: CommitStock',
      'authorize declined': 'compensating payment_declined: ReleaseStock VoidPayment',
      'authorize failed': 'compensating payment_failed: ReleaseStock VoidPayment',
      deadline: 'compensating expired: ReleaseStock VoidPayment',
      'customer cancel': 'compensating customer_request: ReleaseStock VoidPayment',
    },
  },
  committing: {
    state: { sagaStep: 'committing', paymentStatus: 'authorized' },
    expect: {
      'stock committed': 'capturing: CapturePayment',
      'stock commit failed': 'compensating expired: ReleaseStock VoidPayment',
      deadline: 'compensating expired: ReleaseStock VoidPayment',
      'customer cancel': 'compensating customer_request: ReleaseStock VoidPayment',
    },
  },
  capturing: {
    state: { sagaStep: 'capturing', paymentStatus: 'authorized' },
    expect: {
      'payment captured': 'confirmed: OrderConfirmed',
      'capture failed': 'compensating payment_failed: ReleaseStock RefundPayment',
      deadline: 'compensating expired: ReleaseStock RefundPayment',
      'customer cancel': 'compensating customer_request: ReleaseStock RefundPayment',
    },
  },
  'compensating, both answers awaited, the authorization overtaken': {
    state: compensating({ paymentStatus: 'pending' }),
    expect: {
      'stock reservation failed': 'records awaitingStockRelease=false',
      'stock released': 'records awaitingStockRelease=false',
      'payment authorized': 'records paymentBrand=visa paymentLast4=4242 paymentToken=null paymentStatus=authorized',
      'authorize declined': 'records paymentStatus=declined paymentToken=null',
      'authorize failed': 'records paymentStatus=failed paymentToken=null',
      'capture failed': 'records paymentStatus=failed paymentToken=null',
      'payment captured': 'records paymentStatus=captured',
      'payment voided': 'records awaitingPaymentReturn=false paymentStatus=voided',
      'payment refunded': 'records awaitingPaymentReturn=false paymentStatus=refunded',
      deadline: 'records stepDeadline=+2000ms stepAttempts=1: ReleaseStock VoidPayment',
    },
  },
  'compensating after a missed deadline, both answers awaited': {
    state: compensating({ pendingReason: 'expired', paymentStatus: 'authorized', paymentReturn: 'refund', stepAttempts: 2 }),
    expect: {
      'stock reservation failed': 'records awaitingStockRelease=false',
      'stock released': 'records awaitingStockRelease=false',
      'payment captured': 'records paymentStatus=captured',
      'payment voided': 'records awaitingPaymentReturn=false paymentStatus=voided',
      'payment refunded': 'records awaitingPaymentReturn=false paymentStatus=refunded',
      deadline: 'records stepDeadline=+8000ms stepAttempts=3: ReleaseStock RefundPayment',
      'customer cancel': 'refused',
    },
  },
  'compensating, only the release awaited': {
    state: compensating({ awaitingPaymentReturn: false, paymentStatus: 'voided' }),
    expect: {
      'stock reservation failed': 'cancelled customer_request: OrderCancelled',
      'stock released': 'cancelled customer_request: OrderCancelled',
      'payment captured': 'records paymentStatus=captured',
      deadline: 'records stepDeadline=+2000ms stepAttempts=1: ReleaseStock',
    },
  },
  'compensating, only the payment awaited': {
    state: compensating({ awaitingStockRelease: false, paymentStatus: 'authorized' }),
    expect: {
      'payment voided': 'cancelled customer_request: OrderCancelled',
      'payment refunded': 'cancelled customer_request: OrderCancelled',
      'payment captured': 'records paymentStatus=captured',
      deadline: 'records stepDeadline=+2000ms stepAttempts=1: VoidPayment',
    },
  },
  confirmed: {
    state: { status: 'confirmed', sagaStep: 'done', paymentStatus: 'captured' },
    expect: { deadline: 'refused', 'customer cancel': 'compensating customer_request: ReleaseStock RefundPayment' },
  },
  cancelled: {
    state: { status: 'cancelled', sagaStep: 'done', paymentStatus: 'voided' },
    expect: { deadline: 'refused', 'customer cancel': 'refused' },
  },
  shipped: {
    state: { status: 'shipped', sagaStep: 'done', paymentStatus: 'captured' },
    expect: { deadline: 'refused', 'customer cancel': 'refused' },
  },
};

const INPUTS: Input[] = [...(Object.keys(REPLIES) as (keyof typeof REPLIES)[]), 'deadline', 'customer cancel'];

describe('checkout flow: every input in every state', () => {
  for (const [name, { state, expect }] of Object.entries(TABLE)) {
    it(`${name}: each reply, the deadline and a customer's cancel do what the table says`, () => {
      const order = placed(state);
      const actual = Object.fromEntries(INPUTS.map((input) => [input, summary(decide(order, inputOf(input), context))]));
      const expected = Object.fromEntries(INPUTS.map((input) => [input, expect[input] ?? 'nothing']));
      assert.deepEqual(actual, expected);
    });
  }
});

describe('checkout flow: what the steps send and record', () => {
  it('a placed order asks inventory to hold its lines for the reservation TTL, then announces the order', () => {
    const [reserve, announce, ...rest] = start(placed(), timing);
    assert.deepEqual(reserve, { event: ReserveStock, data: { reservationId: ID, lines: [{ sku: 'MUG-1', quantity: 2 }], ttlSeconds: 6 } });
    assert.deepEqual(announce, { event: OrderPlaced, data: { orderId: ID, userId: 'user-1', lines: placed().lines, total: amount } });
    assert.equal(rest.length, 0);
    assert.deepEqual(firstDeadline(now, timing), new Date(now.getTime() + 1_000));
  });

  it('a step that succeeds moves on with a fresh deadline counted from the time given, and asks for the next step', () => {
    const decision = decide(placed({ stepAttempts: 3 }), inputOf('stock reserved'), context);
    assert.deepEqual(decision.change, { sagaStep: 'authorizing', stepDeadline: new Date(now.getTime() + 1_000), stepAttempts: 0 });
    assert.equal(decision.detail, 'stock reserved');
    assert.deepEqual(decision.commands, [{ event: AuthorizePayment, data: { orderId: ID, amount } }]);
  });

  it('an authorization records the card and spends the token; a declined one records the decline and compensates', () => {
    const authorized = decide(placed({ sagaStep: 'authorizing' }), inputOf('payment authorized'), context);
    assert.deepEqual(authorized.change, {
      paymentBrand: 'visa',
      paymentLast4: '4242',
      paymentToken: null,
      paymentStatus: 'authorized',
      sagaStep: 'committing',
      stepDeadline: new Date(now.getTime() + 1_000),
      stepAttempts: 0,
    });
    const declined = decide(placed({ sagaStep: 'authorizing' }), inputOf('authorize declined'), context);
    assert.equal(declined.change.paymentStatus, 'declined');
    assert.equal(declined.change.paymentToken, null);
    assert.equal(declined.detail, 'cancelling: payment declined: card_declined');
  });

  it('the capture confirms the order and announces it with its lines and total', () => {
    const decision = decide(placed({ sagaStep: 'capturing', paymentStatus: 'authorized' }), inputOf('payment captured'), context);
    assert.deepEqual(decision.change, { paymentStatus: 'captured', status: 'confirmed', sagaStep: 'done', stepDeadline: null });
    assert.equal(decision.detail, 'payment captured');
    assert.deepEqual(decision.commands, [
      { event: OrderConfirmed, data: { orderId: ID, userId: 'user-1', lines: placed().lines, total: amount } },
    ]);
  });

  it('a compensation round awaits both answers, and the order is cancelled with the round’s reason and its lines once both are in', () => {
    const round = decide(placed({ sagaStep: 'committing' }), inputOf('deadline'), context);
    assert.equal(round.detail, 'cancelling: step committing missed its deadline');
    let order: CheckoutOrder = { ...placed({ sagaStep: 'committing' }), ...round.change };
    assert.deepEqual(
      {
        awaitingStockRelease: order.awaitingStockRelease,
        awaitingPaymentReturn: order.awaitingPaymentReturn,
        paymentReturn: order.paymentReturn,
      },
      { awaitingStockRelease: true, awaitingPaymentReturn: true, paymentReturn: 'void' },
    );
    order = { ...order, ...decide(order, inputOf('payment voided'), context).change };
    const last = decide(order, inputOf('stock released'), context);
    assert.equal(last.detail, 'expired: compensated');
    assert.deepEqual(last.commands, [
      { event: OrderCancelled, data: { orderId: ID, userId: 'user-1', reason: 'expired', lines: placed().lines } },
    ]);
  });

  it('a compensation still unanswered is sent again, its deadline doubling up to 32 times the step timeout', () => {
    const waits = [0, 1, 2, 3, 4, 5, 6, 7].map((attempts) => {
      const { change } = decide(placed(compensating({ stepAttempts: attempts })), inputOf('deadline'), context);
      return (change.stepDeadline?.getTime() ?? 0) - now.getTime();
    });
    assert.deepEqual(waits, [2_000, 4_000, 8_000, 16_000, 32_000, 32_000, 32_000, 32_000]);
  });

  it('a customer asking twice while their cancel runs is answered like the first time: no change, nothing sent', () => {
    const again = decide(placed(compensating({})), inputOf('customer cancel'), context);
    assert.deepEqual(again, { change: {}, commands: [] });
  });

  it('only a confirmed order whose checkout is done ships, and the shipment is announced', () => {
    const shipment = { carrier: 'UPS', trackingNumber: '1Z999' };
    const shipped = ship(placed({ status: 'confirmed', sagaStep: 'done' }), shipment);
    assert.deepEqual(shipped.change, { status: 'shipped', shipment });
    assert.equal(shipped.detail, 'shipped with UPS');
    assert.deepEqual(shipped.commands, [{ event: OrderShipped, data: { orderId: ID, userId: 'user-1', ...shipment } }]);
    for (const state of [
      {},
      { status: 'confirmed' as const, sagaStep: 'compensating' as const },
      { status: 'shipped' as const, sagaStep: 'done' as const },
    ]) {
      assert.equal(ship(placed(state), shipment).refused, true);
    }
  });

  it('a reply names its order: payments by order id, inventory by reservation id', () => {
    for (const r of Object.values(REPLIES)) assert.equal(orderIdOf(r), ID);
  });
});

// ── The flow against simulated inventory and payments ────────────────────────────────────────

type StockState = 'none' | 'held' | 'committed' | 'released' | 'expired' | 'failed';
type PaymentState = 'none' | 'authorized' | 'captured' | 'voided' | 'refunded' | 'declined' | 'failed' | 'closed';
type Row = CheckoutOrder & CheckoutChange;

function is<E extends EventDefinition>(command: Command, event: E): command is Extract<Command, { event: E }> {
  const sent: EventDefinition = command.event;
  return sent === event;
}
const INVENTORY_COMMANDS: EventDefinition[] = [ReserveStock, CommitStock, ReleaseStock];
const PAYMENT_COMMANDS: EventDefinition[] = [AuthorizePayment, CapturePayment, VoidPayment, RefundPayment];

/** How the other services will answer this order (drawn once per run). */
interface Outcomes {
  stock: 'enough' | 'short';
  card: 'ok' | 'declined' | 'error';
  capture: 'ok' | 'error';
}

/** One thing that happens next in the world around the flow. */
type Happening =
  /** Inventory (or payments) handles the next command for this order; `again`: the bus will deliver it once more, later. */
  | { kind: 'inventory' | 'payments'; again: boolean }
  /** The bus delivers one of the replies in flight, any of them (`pick`); `again`: it will be delivered once more, later. */
  | { kind: 'reply'; pick: number; again: boolean }
  /** The sweeper finds the order past its deadline (a slow service, a lost reply). */
  | { kind: 'deadline' }
  /** The shopper asks to cancel. */
  | { kind: 'cancel' }
  /** Inventory's sweeper expires the reservation if it is still only held (its TTL ran out). */
  | { kind: 'expire' };

/**
 * Plays a checkout: the flow's commands go to small models of inventory and payments (each handles
 * its commands for one order in the order sent, as the bus keeps one subject's order, and answers
 * the way the real services do, idempotently); their replies come back in any order, late, or twice.
 * Then everything in flight is delivered, the sweeper running when nothing is, until the order is done.
 */
function play(outcomes: Outcomes, script: readonly Happening[]) {
  let order: Row = placed();
  let stock: StockState = 'none';
  let payment: PaymentState = 'none';
  let everAuthorized = false;
  const toInventory: Command[] = [];
  const toPayments: Command[] = [];
  const replies: Reply[] = [];
  const sent: Command[] = [];
  const log: string[] = [];
  const facts: CheckoutFacts[] = [];
  let rounds = 0;
  let stockFreed = 0;
  let captures = 0;

  const send = (commands: readonly Command[]) => {
    for (const command of commands) {
      sent.push(command);
      if (INVENTORY_COMMANDS.includes(command.event)) toInventory.push(command);
      if (PAYMENT_COMMANDS.includes(command.event)) toPayments.push(command);
      if (is(command, CapturePayment)) {
        assert.equal(stock, 'committed', `capture asked for while the stock is ${stock}\n${log.join('\n')}`);
        assert.notEqual(order.sagaStep, 'compensating', `capture asked for while compensating\n${log.join('\n')}`);
      }
    }
  };

  const flow = (input: FlowInput) => {
    const before = order;
    const decision = decide(order, input, context);
    facts.push(checkoutFacts(order, input, decision));
    order = { ...order, ...decision.change };
    log.push(`${input.kind === 'reply' ? input.reply.type : input.kind} in ${before.sagaStep}/${before.status} → ${summary(decision)}`);
    const startsRound = decision.change.sagaStep === 'compensating';
    if (startsRound) rounds += 1;
    // A release is sent when the round starts, or again while inventory's answer to it is still awaited: never after.
    const releaseDue =
      (startsRound && before.sagaStep !== 'compensating') || (before.sagaStep === 'compensating' && before.awaitingStockRelease);
    if (decision.commands.some((command) => is(command, ReleaseStock))) assert.ok(releaseDue, `release sent twice\n${log.join('\n')}`);
    if (before.status === 'cancelled') assert.deepEqual(order, before, `a cancelled order changed\n${log.join('\n')}`);
    if (before.sagaStep === 'compensating') assert.ok(['compensating', 'done'].includes(order.sagaStep), 'left compensation for a step');
    send(decision.commands);
  };

  const inventory = (again: boolean) => {
    const command = toInventory.shift();
    if (!command) return;
    if (again) toInventory.push(command);
    const reservationId = order.id;
    if (is(command, ReserveStock)) {
      // A repeated reserve answers nothing (inventory's reserve returns the existing reservation).
      if (stock !== 'none') return;
      stock = outcomes.stock === 'enough' ? 'held' : 'failed';
      replies.push(
        stock === 'held'
          ? reply(StockReserved, { reservationId, lines: command.data.lines, expiresAt: now.toISOString() })
          : reply(StockReservationFailed, { reservationId, reason: 'out_of_stock', skus: ['MUG-1'] }),
      );
    } else if (is(command, CommitStock)) {
      if (stock === 'held') stock = 'committed';
      replies.push(
        stock === 'committed'
          ? reply(StockCommitted, { reservationId })
          : reply(StockCommitFailed, { reservationId, reason: stock === 'expired' ? 'expired' : 'not_held' }),
      );
    } else if (is(command, ReleaseStock)) {
      if (stock === 'held' || stock === 'committed') {
        stock = 'released';
        stockFreed += 1;
      }
      replies.push(reply(StockReleased, { reservationId }));
    }
  };

  const payments = (again: boolean) => {
    const command = toPayments.shift();
    if (!command) return;
    if (again) toPayments.push(command);
    const orderId = order.id;
    const failed = (operation: 'authorize' | 'capture', reason: 'payment_declined' | 'payment_failed') =>
      replies.push(reply(PaymentFailed, { orderId, operation, reason, detail: 'simulated' }));
    if (is(command, AuthorizePayment)) {
      if (payment === 'none') {
        payment = outcomes.card === 'ok' ? 'authorized' : outcomes.card === 'declined' ? 'declined' : 'failed';
        everAuthorized = payment === 'authorized';
      }
      if (everAuthorized) replies.push(reply(PaymentAuthorized, { orderId, paymentId: 'pay-1', amount, brand: 'visa', last4: '4242' }));
      else failed('authorize', payment === 'failed' ? 'payment_failed' : 'payment_declined');
    } else if (is(command, CapturePayment)) {
      if (payment === 'authorized' && outcomes.capture === 'ok') {
        payment = 'captured';
        captures += 1;
      }
      if (payment === 'captured' || payment === 'refunded') replies.push(reply(PaymentCaptured, { orderId, paymentId: 'pay-1', amount }));
      else failed('capture', 'payment_failed');
    } else if (is(command, VoidPayment) || is(command, RefundPayment)) {
      // Void and refund are one compensation: what was captured is refunded, an authorization voided.
      if (payment === 'captured') payment = 'refunded';
      else if (payment === 'authorized') payment = 'voided';
      else if (payment === 'none') payment = 'closed';
      replies.push(
        payment === 'refunded'
          ? reply(PaymentRefunded, { orderId, paymentId: 'pay-1', amount })
          : reply(PaymentVoided, { orderId, paymentId: everAuthorized ? 'pay-1' : null }),
      );
    }
  };

  const deliver = (pick: number, again: boolean) => {
    if (replies.length === 0) return;
    const index = pick % replies.length;
    const [next] = again ? [replies[index]] : replies.splice(index, 1);
    if (next) flow({ kind: 'reply', reply: next });
  };

  const expire = () => {
    if (stock !== 'held') return;
    stock = 'expired';
    stockFreed += 1;
  };

  const sweep = () => {
    // The sweeper only looks at orders still under way.
    if (order.sagaStep !== 'done') flow({ kind: 'deadline' });
  };

  send(start(order, timing));
  for (const happening of script) {
    switch (happening.kind) {
      case 'inventory':
        inventory(happening.again);
        break;
      case 'payments':
        payments(happening.again);
        break;
      case 'reply':
        deliver(happening.pick, happening.again);
        break;
      case 'deadline':
        sweep();
        break;
      case 'cancel':
        flow({ kind: 'cancel' });
        break;
      case 'expire':
        expire();
        break;
    }
  }
  for (let i = 0; i < 1_000 && (order.sagaStep !== 'done' || toInventory.length || toPayments.length || replies.length); i++) {
    if (toInventory.length) inventory(false);
    else if (toPayments.length) payments(false);
    else if (replies.length) deliver(0, false);
    else sweep();
  }
  return { order, stock, payment, sent, rounds, stockFreed, captures, log, facts };
}

const happening: fc.Arbitrary<Happening> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('inventory' as const, 'payments' as const), again: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('reply' as const), pick: fc.nat(), again: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'deadline' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'cancel' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'expire' as const }) },
);
const outcomes: fc.Arbitrary<Outcomes> = fc.record({
  stock: fc.constantFrom('enough' as const, 'short' as const),
  card: fc.constantFrom('ok' as const, 'declined' as const, 'error' as const),
  capture: fc.constantFrom('ok' as const, 'error' as const),
});

describe('checkout flow against simulated services: duplicates, reorderings, late replies, deadlines and cancels', () => {
  it('every order ends confirmed or cancelled, captures only committed stock, releases at most once, and keeps nothing it should give back', () => {
    fc.assert(
      fc.property(outcomes, fc.array(happening, { maxLength: 60 }), (drawn, script) => {
        const { order, stock, payment, sent, rounds, stockFreed, captures, log, facts } = play(drawn, script);
        const trail = `\n${log.join('\n')}`;
        const count = (event: EventDefinition) => sent.filter((command) => command.event === event).length;

        // Ends: confirmed or cancelled, with nothing left under way.
        assert.equal(order.sagaStep, 'done', `still ${order.sagaStep}${trail}`);
        assert.ok(order.status === 'confirmed' || order.status === 'cancelled', `ended ${order.status}${trail}`);
        assert.equal(count(OrderPlaced), 1);

        // "Releases twice" is any of: a second compensation round; a release sent other than when the
        // round starts or as a resend while inventory's answer is awaited (checked as each is sent);
        // inventory freeing the units twice; a confirmed order's stock released (below).
        assert.ok(rounds <= 1, `${rounds} compensation rounds${trail}`);
        assert.ok(stockFreed <= 1, `stock freed ${stockFreed} times${trail}`);

        // Money: captured at most once, and only for stock committed (checked as the capture is sent).
        assert.ok(captures <= 1, `${captures} captures${trail}`);

        if (order.status === 'confirmed') {
          assert.equal(stock, 'committed', `confirmed with the stock ${stock}${trail}`);
          assert.equal(payment, 'captured', `confirmed with the payment ${payment}${trail}`);
          assert.equal(count(ReleaseStock) + count(VoidPayment) + count(RefundPayment), 0, `a confirmed order compensated${trail}`);
          assert.equal(count(OrderConfirmed), 1);
          assert.equal(count(OrderCancelled), 0);
        } else {
          assert.ok(!['held', 'committed'].includes(stock), `cancelled with the stock ${stock}${trail}`);
          assert.ok(!['authorized', 'captured'].includes(payment), `cancelled with the payment ${payment}${trail}`);
          const cancelled = sent.filter((command) => is(command, OrderCancelled));
          assert.equal(cancelled.length, 1, `${cancelled.length} cancellations announced${trail}`);
          assert.equal(cancelled[0]?.data.reason, order.cancelReason);
          assert.ok(count(OrderConfirmed) <= 1);
        }

        // The business metrics count each checkout once, whatever came twice: placed = confirmed + cancelled.
        const confirmed = facts.filter((f) => f.confirmed);
        const cancelled = facts.filter((f) => f.cancelled);
        assert.equal(confirmed.length + cancelled.length, 1, `${confirmed.length} confirmed, ${cancelled.length} cancelled${trail}`);
        if (order.status === 'confirmed') assert.deepEqual(confirmed[0]?.confirmed, amount);
        // An order cancelled after its confirmation stays counted as confirmed.
        else if (cancelled[0]) assert.equal(cancelled[0].cancelled, order.cancelReason);
        const answered = facts.flatMap((f) => f.answered);
        assert.deepEqual(answered, [...new Set(answered)], `a step's reply counted twice${trail}`);
      }),
      { numRuns: 3_000 },
    );
  });
});
