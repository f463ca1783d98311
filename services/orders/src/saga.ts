import type { EventDefinition } from '@mercato/contracts';
import { type AnySchema, afterCommit, type DeliveryOf, type Kysely, type Logger, type Outbox } from '@mercato/kit';
import { type CheckoutMetrics, hasFacts } from './checkout-metrics.ts';
import {
  type Decision,
  decide,
  type FlowInput,
  firstDeadline,
  orderIdOf,
  type ReplyEvent,
  type Sent,
  ship,
  start,
  type Timing,
} from './domain/checkout.flow.ts';
import { checkoutFacts } from './domain/checkout-facts.ts';
import type { OrderRow, OrderStore } from './store.ts';

export type SagaOptions = Timing & {
  /** Counts placed, confirmed and cancelled checkouts and step durations, once each decision has committed. */
  metrics?: CheckoutMetrics;
};

/**
 * The checkout saga's shell: the rules are in `domain/checkout.flow.ts`; this applies them. Every
 * method runs in the caller's transaction with the order row locked (by the caller, or here for a
 * reply): the change and the commands it decides commit together.
 */
export class CheckoutSaga {
  readonly #store: OrderStore;
  readonly #outbox: Outbox;
  readonly #timing: Timing;
  readonly #metrics: CheckoutMetrics | undefined;
  constructor(store: OrderStore, outbox: Outbox, options: SagaOptions) {
    this.#store = store;
    this.#outbox = outbox;
    this.#timing = { stepTimeoutMs: options.stepTimeoutMs, reservationTtlSeconds: options.reservationTtlSeconds };
    this.#metrics = options.metrics;
  }

  /** The first step's deadline, for an order placed now. */
  deadline(): Date {
    return firstDeadline(new Date(), this.#timing);
  }

  /** A just-inserted order: ask inventory to hold its lines, and tell the shop it was placed. */
  async start(tx: Kysely<AnySchema>, order: OrderRow, traceparent: string): Promise<void> {
    await apply(tx, this.#store, this.#outbox, order, { change: {}, commands: start(order, this.#timing) }, traceparent);
    const metrics = this.#metrics;
    if (metrics) await afterCommit(tx, () => metrics.placed());
  }

  /** One reply from inventory or payments, typed by its event (the consumer validated it against its contract). */
  async onReply(tx: Kysely<AnySchema>, reply: DeliveryOf<ReplyEvent>, log: Logger): Promise<void> {
    const orderId = orderIdOf(reply);
    const order = await this.#store.get(tx, orderId, true);
    if (!order) {
      log.warn({ orderId, type: reply.type }, 'reply for an unknown order');
      return;
    }
    await this.#decide(tx, order, { kind: 'reply', reply }, reply.traceparent);
  }

  /**
   * A customer's cancel (`customer_request`) or the sweeper's (`expired`: the step missed its
   * deadline) of a locked order. False when the order can no longer be cancelled (shipped,
   * cancelled, or cancelling for another reason); asking again while a customer's cancel runs is true.
   */
  async cancel(tx: Kysely<AnySchema>, order: OrderRow, reason: 'customer_request' | 'expired', traceparent: string): Promise<boolean> {
    const decision = await this.#decide(tx, order, { kind: reason === 'expired' ? 'deadline' : 'cancel' }, traceparent);
    return !decision.refused;
  }

  /** The sweeper found a compensation still waiting: send it again (it is idempotent), with a later deadline. */
  async resendCompensation(tx: Kysely<AnySchema>, order: OrderRow): Promise<void> {
    await this.#decide(tx, order, { kind: 'deadline' }, '');
  }

  async #decide(tx: Kysely<AnySchema>, order: OrderRow, input: FlowInput, traceparent: string): Promise<Decision> {
    const decision = decide(order, input, { ...this.#timing, now: new Date() });
    await apply(tx, this.#store, this.#outbox, order, decision, traceparent);
    const metrics = this.#metrics;
    const facts = metrics && checkoutFacts(order, input, decision);
    // Counted once committed: a reply handled again after a rollback counts once, a duplicate not at all.
    if (metrics && facts && hasFacts(facts)) await afterCommit(tx, () => metrics.applied(facts, order.stepStartedAt));
    return decision;
  }
}

/** Ships a confirmed order (locked by the caller) and announces it, in `tx`; undefined when it is not shippable. */
export async function shipOrder(
  tx: Kysely<AnySchema>,
  deps: { store: OrderStore; outbox: Outbox },
  order: OrderRow,
  shipment: { carrier: string; trackingNumber: string },
  traceparent: string,
): Promise<OrderRow | undefined> {
  const decision = ship(order, shipment);
  if (decision.refused) return undefined;
  return apply(tx, deps.store, deps.outbox, order, decision, traceparent);
}

/** Writes a decision: the change (with its timeline entry) and then its commands, all in `tx`. */
async function apply(
  tx: Kysely<AnySchema>,
  store: OrderStore,
  outbox: Outbox,
  order: OrderRow,
  decision: Decision,
  traceparent: string,
): Promise<OrderRow> {
  const { change, detail, commands } = decision;
  // A decision that changes nothing (a duplicate reply) leaves the row, and its updated_at, alone.
  const updated =
    Object.keys(change).length > 0 || detail !== undefined
      ? await store.update(tx, order.id, change, detail === undefined ? undefined : { detail })
      : order;
  // Each command is typed by its own event; the outbox checks any event against its schema.
  const messages: readonly Sent<EventDefinition>[] = commands;
  await outbox.publishAll(
    tx,
    messages.map(({ event, data }) => ({ definition: event, input: { subject: order.id, data, traceparent } })),
  );
  return updated;
}
