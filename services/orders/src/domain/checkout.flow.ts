/**
 * The checkout, as the shop runs it: reserve the stock, authorize the payment, commit the stock,
 * capture the payment; the order is then confirmed. Each stage below is one step object with the
 * command it sends, what its reply means, how long it waits, and what undoes it — side by side,
 * top to bottom in the order the business runs them (Medusa's `createStep(id, invoke, compensate)`).
 *
 * A failure, a customer's cancel or a missed deadline starts one compensation round: release the
 * stock and void the payment (refund it once a capture was asked for); the order is `cancelled`
 * once both answers are in. Every command is idempotent on the other side, so the round always sends
 * both — undoing what never happened is answered at once and closes the door on a late action —
 * and a compensation still unanswered at its deadline is simply sent again.
 *
 * Pure: `decide` takes the order as stored, one input (a reply from inventory or payments, a missed
 * deadline, a customer's cancel) and the time, and says what changes and what to send. The shell
 * (`../saga.ts`) loads the order locked, applies the change and publishes the commands in one
 * transaction. A reply that does not fit the current step (a duplicate, or one overtaken by a
 * cancel) changes nothing.
 */
import {
  AuthorizePayment,
  type CancelReason,
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

export type OrderStatus = 'pending' | 'confirmed' | 'shipped' | 'cancelled';
/** Where the checkout stands: a step waiting for its reply, the compensation round, or done (confirmed, cancelled or shipped). */
export type SagaStep = 'reserving' | 'authorizing' | 'committing' | 'capturing' | 'compensating' | 'done';
/** The payment as orders last heard of it (payments owns the truth). */
export type PaymentStatus = 'pending' | 'authorized' | 'captured' | 'voided' | 'refunded' | 'declined' | 'failed';
/** A line as placed: name and unit price are the catalog's at placement. */
export type OrderLine = EventData<typeof OrderPlaced>['lines'][number];

/** What the flow reads of an order (the stored row has more). */
export interface CheckoutOrder {
  id: string;
  userId: string;
  status: OrderStatus;
  lines: OrderLine[];
  currency: string;
  total: number;
  paymentStatus: PaymentStatus;
  sagaStep: SagaStep;
  /** While compensating: the reason the order will be cancelled with. */
  pendingReason: CancelReason | null;
  /** While compensating: inventory has not yet answered the release. */
  awaitingStockRelease: boolean;
  /** While compensating: payments has not yet answered the void or refund. */
  awaitingPaymentReturn: boolean;
  /** While compensating: which payment compensation this round sends. */
  paymentReturn: 'void' | 'refund' | null;
  /** Resends of the current compensation so far (each one doubles the deadline). */
  stepAttempts: number;
}

/** The columns a decision may change. */
export type CheckoutChange = Partial<
  Pick<
    CheckoutOrder,
    | 'status'
    | 'paymentStatus'
    | 'sagaStep'
    | 'pendingReason'
    | 'awaitingStockRelease'
    | 'awaitingPaymentReturn'
    | 'paymentReturn'
    | 'stepAttempts'
  > & {
    cancelReason: CancelReason;
    /** Only ever cleared: the card token is spent once the authorization is decided (ADR 0015). */
    paymentToken: null;
    paymentBrand: string;
    paymentLast4: string;
    stepDeadline: Date | null;
    shipment: { carrier: string; trackingNumber: string };
  }
>;

/** The events the flow listens to: inventory's and payments' replies to its commands. */
export const CHECKOUT_REPLIES = [
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
export type ReplyEvent = (typeof CHECKOUT_REPLIES)[number];

/** One reply: its event type and its data as the contract defines it. */
export interface ReplyOf<E extends EventDefinition> {
  type: E['type'];
  data: EventData<E>;
}
/** Any of the ten replies, told apart by `type`. */
export type Reply = ReplyEvent extends infer E ? (E extends EventDefinition ? ReplyOf<E> : never) : never;

export type FlowInput =
  /** Inventory or payments answered one of the flow's commands. */
  | { kind: 'reply'; reply: Reply }
  /** The sweeper found the order past its step's deadline. */
  | { kind: 'deadline' }
  /** The shopper (or staff for them) asks to cancel. */
  | { kind: 'cancel' };

/** What the flow sends: commands to inventory and payments, and orders' own events, in this order. */
export interface Sent<E extends EventDefinition> {
  event: E;
  data: EventData<E>;
}
export type Command =
  | Sent<typeof ReserveStock>
  | Sent<typeof CommitStock>
  | Sent<typeof ReleaseStock>
  | Sent<typeof AuthorizePayment>
  | Sent<typeof CapturePayment>
  | Sent<typeof VoidPayment>
  | Sent<typeof RefundPayment>
  | Sent<typeof OrderPlaced>
  | Sent<typeof OrderConfirmed>
  | Sent<typeof OrderCancelled>
  | Sent<typeof OrderShipped>;

export interface Decision {
  change: CheckoutChange;
  /** The order's timeline entry for this change; none for bookkeeping the shopper need not see. */
  detail?: string;
  commands: Command[];
  /** The input was not taken: a cancel of an order that can no longer be cancelled, a ship of one that is not confirmed. */
  refused?: true;
}

export interface Timing {
  /** Each step's deadline. */
  stepTimeoutMs: number;
  /** How long inventory holds the stock without a commit: outlives every step, so the flow, not inventory's sweeper, releases it. */
  reservationTtlSeconds: number;
}
export interface FlowContext extends Timing {
  /** When the input is decided: deadlines count from here. */
  now: Date;
}

/** What a step's reply says: the step is done (with what to record and the timeline's words), or it failed and why. */
type Outcome = { done: string; record?: CheckoutChange } | { failed: CancelReason; detail: string; record?: CheckoutChange };

interface Step {
  /** The order's `sagaStep` while this step waits for its reply. */
  id: 'reserving' | 'authorizing' | 'committing' | 'capturing';
  /** The command that asks for the step. */
  invoke(order: CheckoutOrder, timing: Timing): Command;
  /** What a reply means for this step; undefined when it is not this step's (a duplicate, or another step's). */
  outcome(reply: Reply): Outcome | undefined;
  /** How long the step waits for its reply; past it the sweeper cancels the order (`expired`) with compensation. */
  timeoutMs(timing: Timing): number;
  /** The command that undoes the step (a compensation round sends the stock's and the payment's: see `compensations`). */
  compensate?(order: CheckoutOrder): Command;
}

const send = <E extends EventDefinition>(event: E, data: EventData<E>): Sent<E> => ({ event, data });
const stepTimeout = (timing: Timing) => timing.stepTimeoutMs;

// ── The checkout, step by step ─────────────────────────────────────────────────────────────────

const reserveStock = {
  id: 'reserving',
  invoke: (order, timing) =>
    send(ReserveStock, {
      reservationId: order.id,
      lines: order.lines.map(({ sku, quantity }) => ({ sku, quantity })),
      ttlSeconds: timing.reservationTtlSeconds,
    }),
  outcome(reply) {
    if (reply.type === StockReserved.type) return { done: 'stock reserved' };
    if (reply.type === StockReservationFailed.type) return { failed: 'out_of_stock', detail: 'not enough stock' };
    return undefined;
  },
  timeoutMs: stepTimeout,
  /**
   * Undoes the reservation, and the commit with it: inventory frees held units or restocks committed
   * ones, and answers `released` for a reservation it never held (the reserve may still be on its way).
   */
  compensate: (order) => send(ReleaseStock, { reservationId: order.id }),
} satisfies Step;

const authorizePayment = {
  id: 'authorizing',
  // No card token here: payments asks orders for it directly (ADR 0015).
  invoke: (order) => send(AuthorizePayment, { orderId: order.id, amount: money(order, order.total) }),
  outcome(reply) {
    if (reply.type === PaymentAuthorized.type) return { done: 'payment authorized', record: authorized(reply.data) };
    if (reply.type === PaymentFailed.type && reply.data.operation === 'authorize') {
      const paymentStatus = failedStatus(reply.data);
      return {
        failed: reply.data.reason,
        detail: `payment ${paymentStatus}: ${reply.data.detail}`,
        record: { paymentStatus, paymentToken: null },
      };
    }
    return undefined;
  },
  timeoutMs: stepTimeout,
  /**
   * Undoes the authorization: payments voids it. For an order it never authorized it answers
   * `voided` at once and closes the payment, so an authorize still on its way is refused.
   */
  compensate: (order) => send(VoidPayment, { orderId: order.id }),
} satisfies Step;

const commitStock = {
  id: 'committing',
  invoke: (order) => send(CommitStock, { reservationId: order.id }),
  outcome(reply) {
    if (reply.type === StockCommitted.type) return { done: 'stock committed' };
    // The reservation ran out before the commit (inventory's sweeper released it): nothing to capture.
    if (reply.type === StockCommitFailed.type) return { failed: 'expired', detail: 'stock reservation expired before the commit' };
    return undefined;
  },
  timeoutMs: stepTimeout,
  // No compensation of its own: the reservation's release restocks committed units.
} satisfies Step;

const capturePayment = {
  id: 'capturing',
  invoke: (order) => send(CapturePayment, { orderId: order.id }),
  outcome(reply) {
    if (reply.type === PaymentCaptured.type) return { done: 'payment captured', record: { paymentStatus: 'captured' } };
    if (reply.type === PaymentFailed.type && reply.data.operation === 'capture') {
      return { failed: reply.data.reason, detail: `capture ${failedStatus(reply.data)}: ${reply.data.detail}` };
    }
    return undefined;
  },
  timeoutMs: stepTimeout,
  /**
   * Undoes the capture (and the authorization under it): payments refunds the money, or voids the
   * authorization when the capture never happened. Replaces the authorization's void from the
   * moment a capture was asked for.
   */
  compensate: (order) => send(RefundPayment, { orderId: order.id }),
} satisfies Step;

/** The checkout in order; the last step's success confirms the order. */
export const CHECKOUT: readonly Step[] = [reserveStock, authorizePayment, commitStock, capturePayment];

// ── Deciding ───────────────────────────────────────────────────────────────────────────────────

const NOTHING: Decision = { change: {}, commands: [] };

/** The commands of a just-placed order (its row already says `reserving`): ask for the first step, and tell the shop. */
export function start(order: CheckoutOrder, timing: Timing): Command[] {
  return [
    reserveStock.invoke(order, timing),
    send(OrderPlaced, { orderId: order.id, userId: order.userId, lines: order.lines, total: money(order, order.total) }),
  ];
}

/** The first step's deadline for an order placed `now`. */
export function firstDeadline(now: Date, timing: Timing): Date {
  return after(now, reserveStock.timeoutMs(timing));
}

export function decide(order: CheckoutOrder, input: FlowInput, context: FlowContext): Decision {
  switch (input.kind) {
    case 'reply':
      return order.sagaStep === 'compensating' ? whileCompensating(order, input.reply) : onReply(order, input.reply, context);
    case 'deadline':
      return onDeadline(order, context);
    case 'cancel':
      return onCancel(order, context);
  }
}

function onReply(order: CheckoutOrder, reply: Reply, context: FlowContext): Decision {
  const index = CHECKOUT.findIndex((step) => step.id === order.sagaStep);
  const step = CHECKOUT[index];
  if (!step) return NOTHING; // done: a late or repeated reply changes nothing
  const outcome = step.outcome(reply);
  if (!outcome) return NOTHING;
  if ('failed' in outcome) {
    // The first step failing holds nothing and asked payments for nothing: nothing to compensate.
    if (index === 0) return finishCancelled(order, outcome.failed, outcome.detail, outcome.record);
    return beginCompensation(order, outcome.failed, outcome.detail, context, outcome.record);
  }
  const next = CHECKOUT[index + 1];
  if (!next) {
    return {
      change: { ...outcome.record, status: 'confirmed', sagaStep: 'done', stepDeadline: null },
      detail: outcome.done,
      commands: [send(OrderConfirmed, { orderId: order.id, userId: order.userId, lines: order.lines, total: money(order, order.total) })],
    };
  }
  return {
    change: { ...outcome.record, sagaStep: next.id, stepDeadline: after(context.now, next.timeoutMs(context)), stepAttempts: 0 },
    detail: outcome.done,
    commands: [next.invoke(order, context)],
  };
}

function onDeadline(order: CheckoutOrder, context: FlowContext): Decision {
  if (order.sagaStep === 'done') return { ...NOTHING, refused: true };
  if (order.sagaStep === 'compensating') {
    // A compensation still unanswered: send it again (it is idempotent), waiting longer each time.
    const attempts = order.stepAttempts + 1;
    return {
      change: { stepDeadline: after(context.now, compensationTimeoutMs(context, attempts)), stepAttempts: attempts },
      commands: compensations(order),
    };
  }
  return beginCompensation(order, 'expired', `step ${order.sagaStep} missed its deadline`, context);
}

function onCancel(order: CheckoutOrder, context: FlowContext): Decision {
  if (order.status === 'shipped' || order.status === 'cancelled') return { ...NOTHING, refused: true };
  if (order.sagaStep === 'compensating') {
    // Asking twice while the cancellation runs is answered like the first time; another round under way refuses it.
    return order.pendingReason === 'customer_request' ? NOTHING : { ...NOTHING, refused: true };
  }
  return beginCompensation(order, 'customer_request', 'cancelled on request', context);
}

// ── Compensating ───────────────────────────────────────────────────────────────────────────────

/**
 * A compensation still unanswered is sent again after this long: doubling from the step timeout up
 * to 32× (5 min 20 s at the default 10 s), so a service down for long is not flooded with resends.
 */
function compensationTimeoutMs(timing: Timing, attempt: number): number {
  return timing.stepTimeoutMs * 2 ** Math.min(attempt, 5);
}

function beginCompensation(
  order: CheckoutOrder,
  reason: CancelReason,
  detail: string,
  context: FlowContext,
  record: CheckoutChange = {},
): Decision {
  // Every step from `reserving` on may hold stock (the reserve can still be on its way), so the
  // release always goes; the payment's compensation is the capture's once a capture was asked for.
  const captureAsked = order.sagaStep === capturePayment.id || order.status === 'confirmed';
  const change: CheckoutChange = {
    ...record,
    sagaStep: 'compensating',
    pendingReason: reason,
    awaitingStockRelease: true,
    awaitingPaymentReturn: true,
    paymentReturn: captureAsked ? 'refund' : 'void',
    paymentToken: null,
    stepDeadline: after(context.now, compensationTimeoutMs(context, 0)),
    stepAttempts: 0,
  };
  return { change, detail: `cancelling: ${detail}`, commands: compensations({ ...order, ...change }) };
}

/** The compensations still unanswered: the stock's release, and the payment's void or refund. */
function compensations(order: CheckoutOrder): Command[] {
  const commands: Command[] = [];
  if (order.awaitingStockRelease) commands.push(reserveStock.compensate(order));
  if (order.awaitingPaymentReturn) commands.push((order.paymentReturn === 'refund' ? capturePayment : authorizePayment).compensate(order));
  return commands;
}

/** Replies during the round: the compensations' answers, and late replies of steps the cancel overtook. */
function whileCompensating(order: CheckoutOrder, reply: Reply): Decision {
  switch (reply.type) {
    case StockReleased.type:
    case StockReservationFailed.type: // a reservation that failed holds nothing: as good as released
      return order.awaitingStockRelease ? settle(order, { awaitingStockRelease: false }) : NOTHING;
    case PaymentVoided.type:
    case PaymentRefunded.type: {
      if (!order.awaitingPaymentReturn) return NOTHING;
      const returned = reply.type === PaymentRefunded.type ? 'refunded' : 'voided';
      // A declined or failed payment keeps saying so: the void only closed it.
      const paymentStatus = ['authorized', 'captured', 'pending'].includes(order.paymentStatus) ? returned : order.paymentStatus;
      return settle(order, { awaitingPaymentReturn: false, paymentStatus });
    }
    case PaymentAuthorized.type:
      // Overtaken by the cancel: the void sent after it undoes the authorization.
      return order.paymentStatus === 'pending' ? { change: authorized(reply.data), commands: [] } : NOTHING;
    case PaymentFailed.type:
      return order.paymentStatus === 'pending'
        ? { change: { paymentStatus: failedStatus(reply.data), paymentToken: null }, commands: [] }
        : NOTHING;
    case PaymentCaptured.type:
      // A capture that finished while the cancel was under way: the refund queued after it gives the money back.
      return { change: { paymentStatus: 'captured' }, commands: [] };
    default:
      // Stock reserved, committed or not committable after the cancel: the release sent after it undoes it.
      return NOTHING;
  }
}

/** One compensation is answered; the order is cancelled once neither is awaited. */
function settle(order: CheckoutOrder, change: CheckoutChange): Decision {
  const next = { ...order, ...change };
  if (next.awaitingStockRelease || next.awaitingPaymentReturn) return { change, commands: [] };
  return finishCancelled(next, order.pendingReason ?? 'expired', 'compensated', change);
}

function finishCancelled(order: CheckoutOrder, reason: CancelReason, detail: string, change: CheckoutChange = {}): Decision {
  return {
    change: { ...change, status: 'cancelled', cancelReason: reason, sagaStep: 'done', stepDeadline: null, paymentToken: null },
    detail: `${reason}: ${detail}`,
    // The lines ride along so the cart can put them back after a failed payment (API.md) without calling orders.
    commands: [send(OrderCancelled, { orderId: order.id, userId: order.userId, reason, lines: order.lines })],
  };
}

// ── After the checkout ─────────────────────────────────────────────────────────────────────────

/** Staff ship a confirmed order whose checkout is done; anything else is refused. */
export function ship(order: CheckoutOrder, shipment: { carrier: string; trackingNumber: string }): Decision {
  if (order.status !== 'confirmed' || order.sagaStep !== 'done') return { ...NOTHING, refused: true };
  return {
    change: { status: 'shipped', shipment },
    detail: `shipped with ${shipment.carrier}`,
    commands: [send(OrderShipped, { orderId: order.id, userId: order.userId, ...shipment })],
  };
}

/** The order a reply is about: payments' replies name it, inventory's name its reservation (the same id). */
export function orderIdOf(reply: Reply): string {
  return 'orderId' in reply.data ? reply.data.orderId : reply.data.reservationId;
}

function authorized(card: EventData<typeof PaymentAuthorized>): CheckoutChange {
  return { paymentBrand: card.brand, paymentLast4: card.last4, paymentToken: null, paymentStatus: 'authorized' };
}

function failedStatus(failure: EventData<typeof PaymentFailed>): 'declined' | 'failed' {
  return failure.reason === 'payment_declined' ? 'declined' : 'failed';
}

function money(order: CheckoutOrder, amount: number) {
  return { amount, currency: order.currency };
}

function after(now: Date, ms: number): Date {
  return new Date(now.getTime() + ms);
}
