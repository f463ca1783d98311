import {
  AuthorizePayment,
  CapturePayment,
  CommitStock,
  type EventEnvelope,
  OrderCancelled,
  OrderConfirmed,
  OrderPlaced,
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
import type { AnySchema, Kysely, Logger, Outbox } from '@mercato/kit';
import type { OrderChange, OrderRow, OrderStore } from './store.ts';

export type CancelReason = 'out_of_stock' | 'payment_declined' | 'payment_failed' | 'customer_request' | 'expired';

export interface SagaOptions {
  /** Each step's deadline; past it the sweeper cancels the order (`expired`) with compensation. */
  stepTimeoutMs: number;
  /** How long inventory holds the stock without a commit: outlives every step, so the saga, not the sweeper, releases it. */
  reservationTtlSeconds: number;
}

/** The events the saga listens to: inventory's and payments' replies to its commands. */
export const SAGA_REPLIES = [
  StockReserved,
  StockReservationFailed,
  StockCommitted,
  StockCommitFailed,
  StockReleased,
  PaymentAuthorized,
  PaymentFailed,
  PaymentCaptured,
  PaymentVoided,
  PaymentRefunded,
] as const;

/**
 * The checkout saga, orchestrated here and persisted in the order's row:
 * reserving → authorizing → committing → capturing → confirmed. A failure, a customer's cancel or a
 * missed deadline switches to `compensating`: release the stock and void (or refund) the payment,
 * then `cancelled` once both replies are in. Every method runs in the caller's transaction with the
 * order row locked; a reply that does not fit the current step (a duplicate, or one overtaken by a
 * cancel) changes nothing.
 */
export class CheckoutSaga {
  readonly #store: OrderStore;
  readonly #outbox: Outbox;
  readonly #options: SagaOptions;
  constructor(store: OrderStore, outbox: Outbox, options: SagaOptions) {
    this.#store = store;
    this.#outbox = outbox;
    this.#options = options;
  }

  deadline(attempt = 0): Date {
    return new Date(Date.now() + this.#options.stepTimeoutMs * 2 ** Math.min(attempt, 5));
  }

  /** A just-inserted order: ask inventory to hold its lines. */
  async start(tx: Kysely<AnySchema>, order: OrderRow, traceparent: string): Promise<void> {
    const lines = order.lines.map(({ sku, quantity }) => ({ sku, quantity }));
    await this.#outbox.publish(tx, ReserveStock, {
      subject: order.id,
      data: { reservationId: order.id, lines, ttlSeconds: this.#options.reservationTtlSeconds },
      traceparent,
    });
    await this.#outbox.publish(tx, OrderPlaced, {
      subject: order.id,
      data: { orderId: order.id, userId: order.userId, lines: order.lines, total: money(order, order.total) },
      traceparent,
    });
  }

  /** One reply from inventory or payments. */
  async onReply(tx: Kysely<AnySchema>, event: EventEnvelope, log: Logger): Promise<void> {
    const orderId = replyOrderId(event);
    const order = await this.#store.get(tx, orderId, true);
    if (!order) {
      log.warn({ orderId, type: event.type }, 'reply for an unknown order');
      return;
    }
    const tp = event.traceparent;
    const step = order.sagaStep;
    switch (event.type) {
      case StockReserved.type:
        if (step !== 'reserving') return;
        await this.#store.update(
          tx,
          order.id,
          { sagaStep: 'authorizing', stepDeadline: this.deadline(), stepAttempts: 0 },
          { detail: 'stock reserved' },
        );
        await this.#outbox.publish(tx, AuthorizePayment, {
          subject: order.id,
          // No card token here: payments asks for it directly (ADR 0015).
          data: { orderId: order.id, amount: money(order, order.total) },
          traceparent: tp,
        });
        return;
      case StockReservationFailed.type:
        if (step === 'reserving') {
          // Nothing is held and no payment was asked for: nothing to compensate.
          await this.#finishCancelled(tx, order, 'out_of_stock', tp, 'not enough stock');
        } else if (step === 'compensating' && order.awaitingStockRelease) {
          await this.#settle(tx, order, { awaitingStockRelease: false }, tp);
        }
        return;
      case PaymentAuthorized.type: {
        const data = event.data as { brand: string; last4: string };
        const card = { paymentBrand: data.brand, paymentLast4: data.last4, paymentToken: null };
        if (step === 'authorizing') {
          await this.#store.update(
            tx,
            order.id,
            { ...card, paymentStatus: 'authorized', sagaStep: 'committing', stepDeadline: this.deadline(), stepAttempts: 0 },
            { detail: 'payment authorized' },
          );
          await this.#outbox.publish(tx, CommitStock, { subject: order.id, data: { reservationId: order.id }, traceparent: tp });
        } else if (step === 'compensating' && order.paymentStatus === 'pending') {
          // Overtaken by a cancel: the void sent after it undoes the authorization.
          await this.#store.update(tx, order.id, { ...card, paymentStatus: 'authorized' });
        }
        return;
      }
      case PaymentFailed.type: {
        const data = event.data as { operation: 'authorize' | 'capture'; reason: CancelReason; detail: string };
        const paymentStatus = data.reason === 'payment_declined' ? 'declined' : 'failed';
        if (step === 'authorizing' && data.operation === 'authorize') {
          await this.#store.update(tx, order.id, { paymentStatus, paymentToken: null });
          await this.#compensate(tx, { ...order, paymentStatus }, data.reason, tp, `payment ${paymentStatus}: ${data.detail}`);
        } else if (step === 'capturing' && data.operation === 'capture') {
          await this.#compensate(tx, order, data.reason, tp, `capture ${paymentStatus}: ${data.detail}`);
        } else if (step === 'compensating' && order.paymentStatus === 'pending') {
          await this.#store.update(tx, order.id, { paymentStatus, paymentToken: null });
        }
        return;
      }
      case StockCommitted.type:
        if (step !== 'committing') return;
        await this.#store.update(
          tx,
          order.id,
          { sagaStep: 'capturing', stepDeadline: this.deadline(), stepAttempts: 0 },
          { detail: 'stock committed' },
        );
        await this.#outbox.publish(tx, CapturePayment, { subject: order.id, data: { orderId: order.id }, traceparent: tp });
        return;
      case StockCommitFailed.type:
        if (step !== 'committing') return;
        // The reservation ran out before the commit (the sweeper released it): nothing to capture.
        await this.#compensate(tx, order, 'expired', tp, 'stock reservation expired before the commit');
        return;
      case PaymentCaptured.type:
        if (step === 'capturing') {
          const confirmed = await this.#store.update(
            tx,
            order.id,
            { status: 'confirmed', paymentStatus: 'captured', sagaStep: 'done', stepDeadline: null },
            { detail: 'payment captured' },
          );
          await this.#outbox.publish(tx, OrderConfirmed, {
            subject: order.id,
            data: { orderId: order.id, userId: order.userId, lines: confirmed.lines, total: money(order, order.total) },
            traceparent: tp,
          });
        } else if (step === 'compensating') {
          // A capture that finished while a cancel was under way: the refund queued after it gives the money back.
          await this.#store.update(tx, order.id, { paymentStatus: 'captured' });
        }
        return;
      case StockReleased.type:
        if (step === 'compensating' && order.awaitingStockRelease) await this.#settle(tx, order, { awaitingStockRelease: false }, tp);
        return;
      case PaymentVoided.type:
      case PaymentRefunded.type: {
        if (step !== 'compensating' || !order.awaitingPaymentReturn) return;
        const returned = event.type === PaymentRefunded.type ? 'refunded' : 'voided';
        // A declined or failed payment keeps saying so: the void only closed it.
        const paymentStatus = ['authorized', 'captured', 'pending'].includes(order.paymentStatus) ? returned : order.paymentStatus;
        await this.#settle(tx, order, { awaitingPaymentReturn: false, paymentStatus }, tp);
        return;
      }
      default:
        log.warn({ type: event.type }, 'unexpected event type');
    }
  }

  /**
   * Cancels an order that is still running or confirmed: a customer's request or a missed deadline.
   * Returns false when the order can no longer be cancelled (shipped, cancelled, or already cancelling).
   */
  async cancel(tx: Kysely<AnySchema>, order: OrderRow, reason: 'customer_request' | 'expired', traceparent: string): Promise<boolean> {
    if (order.status === 'shipped' || order.status === 'cancelled' || order.sagaStep === 'compensating') return false;
    const detail = reason === 'expired' ? `step ${order.sagaStep} missed its deadline` : 'cancelled on request';
    await this.#compensate(tx, order, reason, traceparent, detail);
    return true;
  }

  /** The sweeper found a compensation still waiting: send its commands again (they are idempotent), with a later deadline. */
  async resendCompensation(tx: Kysely<AnySchema>, order: OrderRow): Promise<void> {
    const attempts = order.stepAttempts + 1;
    await this.#store.update(tx, order.id, { stepDeadline: this.deadline(attempts), stepAttempts: attempts });
    await this.#sendCompensation(tx, order, '');
  }

  async #compensate(tx: Kysely<AnySchema>, order: OrderRow, reason: CancelReason, traceparent: string, detail: string): Promise<void> {
    // Every step from `reserving` on may hold stock (the reserve can still be on its way); payments
    // answers a void for an order it never authorized, and closes it against a late authorize.
    const change: OrderChange = {
      sagaStep: 'compensating',
      pendingReason: reason,
      awaitingStockRelease: true,
      awaitingPaymentReturn: true,
      paymentReturn: order.sagaStep === 'capturing' || order.status === 'confirmed' ? 'refund' : 'void',
      paymentToken: null,
      stepDeadline: this.deadline(),
      stepAttempts: 0,
    };
    const updated = await this.#store.update(tx, order.id, change, { detail: `cancelling: ${detail}` });
    await this.#sendCompensation(tx, updated, traceparent);
  }

  async #sendCompensation(tx: Kysely<AnySchema>, order: OrderRow, traceparent: string): Promise<void> {
    if (order.awaitingStockRelease) {
      await this.#outbox.publish(tx, ReleaseStock, { subject: order.id, data: { reservationId: order.id }, traceparent });
    }
    if (order.awaitingPaymentReturn) {
      const command = order.paymentReturn === 'refund' ? RefundPayment : VoidPayment;
      await this.#outbox.publish(tx, command, { subject: order.id, data: { orderId: order.id }, traceparent });
    }
  }

  /** One compensation reply is in; the order is cancelled once none is awaited. */
  async #settle(tx: Kysely<AnySchema>, order: OrderRow, change: OrderChange, traceparent: string): Promise<void> {
    const next = { ...order, ...change };
    if (next.awaitingStockRelease || next.awaitingPaymentReturn) {
      await this.#store.update(tx, order.id, change);
      return;
    }
    await this.#finishCancelled(
      tx,
      { ...order, ...change },
      (order.pendingReason ?? 'expired') as CancelReason,
      traceparent,
      'compensated',
      change,
    );
  }

  async #finishCancelled(
    tx: Kysely<AnySchema>,
    order: OrderRow,
    reason: CancelReason,
    traceparent: string,
    detail: string,
    change: OrderChange = {},
  ): Promise<void> {
    const cancelled = await this.#store.update(
      tx,
      order.id,
      { ...change, status: 'cancelled', cancelReason: reason, sagaStep: 'done', stepDeadline: null, paymentToken: null },
      { detail: `${reason}: ${detail}` },
    );
    // The lines ride along so the cart can put them back after a failed payment (API.md) without calling orders.
    await this.#outbox.publish(tx, OrderCancelled, {
      subject: order.id,
      data: { orderId: order.id, userId: order.userId, reason, lines: cancelled.lines },
      traceparent,
    });
  }
}

function money(order: OrderRow, amount: number) {
  return { amount, currency: order.currency };
}

function replyOrderId(event: EventEnvelope): string {
  const data = event.data as { orderId?: string; reservationId?: string };
  return data.orderId ?? data.reservationId ?? event.subject;
}
