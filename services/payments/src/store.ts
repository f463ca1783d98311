import { type Money, PaymentAuthorized, PaymentCaptured, PaymentFailed, PaymentRefunded, PaymentVoided } from '@mercato/contracts';
import { type AnySchema, type Kysely, type Outbox, sql, uuidv7 } from '@mercato/kit';
import {
  decideCommand,
  decideOutcome,
  type FailureReason,
  type IntentState,
  type LedgerKind,
  nextOperation,
  type Outcome,
  type PaymentStatus,
  type PaymentTarget,
  type ProviderOperation,
  type Reply,
} from './domain/payment-intent.ts';

/** The channel the worker LISTENs on: a NOTIFY in a transaction reaches it when that transaction commits. */
export const WORK_CHANNEL = 'payments_work';

export type PaymentCommand = { kind: 'authorize'; amount: Money } | { kind: 'capture' | 'void' | 'refund' };

interface IntentRow {
  order_id: string;
  payment_id: string;
  status: PaymentStatus;
  target: PaymentTarget;
  amount: string | null;
  currency: string | null;
  provider_ref: string | null;
  brand: string | null;
  last4: string | null;
  failure_reason: FailureReason | null;
  failure_detail: string | null;
  traceparent: string | null;
  next_operation: ProviderOperation | null;
}

/** A provider call a worker has claimed: no other worker makes it until the lease runs out. */
export interface ClaimedStep {
  orderId: string;
  operation: ProviderOperation;
  leaseToken: string;
  /** Claims of this step so far, this one included. */
  attempt: number;
  amount: Money | null;
  providerRef: string | null;
  /** The trace the step belongs to (the command that made it due). */
  traceparent: string | null;
}

export interface PaymentView {
  orderId: string;
  status: PaymentStatus;
  amount: Money | null;
  brand: string | null;
  last4: string | null;
  ledger: { kind: LedgerKind; amount: Money; at: string }[];
}

const INTENT_COLUMNS = sql.raw(`order_id, payment_id, status, target, amount, currency, provider_ref, brand, last4,
  failure_reason, failure_detail, traceparent, next_operation`);

/**
 * Wakes the workers when the statement owes the provider a new call: a NOTIFY in the statement that
 * made the step due (delivered at commit, and only then; identical ones of a transaction fold into one).
 */
const wakeWorkersIf = (wake: boolean) => (wake ? sql`, pg_notify(${WORK_CHANNEL}, '') as woke` : sql``);

const stateOf = (row: IntentRow): IntentState => ({
  status: row.status,
  target: row.target,
  authorized: row.provider_ref !== null,
  failureReason: row.failure_reason,
  failureDetail: row.failure_detail,
});

const moneyOf = (row: { amount: string | null; currency: string | null }): Money | null =>
  row.amount === null || row.currency === null ? null : { amount: Number(row.amount), currency: row.currency };

/** The only file that writes SQL for payments (besides the sandbox provider's own table). */
export class PaymentsStore {
  readonly #db: Kysely<AnySchema>;
  readonly #outbox: Outbox;
  readonly #provider: string;

  constructor(db: Kysely<AnySchema>, outbox: Outbox, provider: string) {
    this.#db = db;
    this.#outbox = outbox;
    this.#provider = provider;
  }

  get db(): Kysely<AnySchema> {
    return this.#db;
  }

  /**
   * A saga command, in the consumer's transaction: moves the intent's target (the worker makes the
   * provider call after commit) or answers at once what is already known. No provider call here:
   * this transaction holds up to 64 other orders' commands.
   */
  async command(tx: Kysely<AnySchema>, orderId: string, command: PaymentCommand, traceparent?: string): Promise<void> {
    for (;;) {
      const current = await this.#intent(tx, orderId, true);
      const decision = decideCommand(current && stateOf(current), command.kind);
      let row = current;
      if (decision.create) {
        row = await this.#create(tx, orderId, decision.create.status, decision.create.target, command, traceparent);
        // Created by a concurrent transaction meanwhile (now committed): decide again against it.
        if (!row) continue;
      } else if (decision.target && current) {
        row = await this.#retarget(tx, current, decision.target, traceparent);
      }
      await this.#publish(tx, orderId, row, decision.replies, traceparent);
      return;
    }
  }

  /**
   * Claims up to `limit` due provider calls for `leaseMs`: rows another worker is claiming or
   * recording are skipped (`skip locked`), rows under a live lease are not due.
   */
  async claim(limit: number, leaseMs: number): Promise<ClaimedStep[]> {
    const { rows } = await sql<{
      order_id: string;
      next_operation: ProviderOperation;
      lease_token: string;
      attempts: number;
      amount: string | null;
      currency: string | null;
      provider_ref: string | null;
      traceparent: string | null;
    }>`
      with due as (
        select order_id from payment_intents
        where next_operation is not null and next_attempt_at <= now() and (lease_until is null or lease_until < now())
        order by next_attempt_at
        limit ${limit}
        for update skip locked
      )
      update payment_intents p
      set lease_token = gen_random_uuid(), lease_until = now() + make_interval(secs => ${leaseMs / 1000}), attempts = p.attempts + 1
      from due where p.order_id = due.order_id
      returning p.order_id, p.next_operation, p.lease_token, p.attempts, p.amount, p.currency, p.provider_ref, p.traceparent`.execute(
      this.#db,
    );
    return rows.map((r) => ({
      orderId: r.order_id,
      operation: r.next_operation,
      leaseToken: r.lease_token,
      attempt: r.attempts,
      amount: moneyOf(r),
      providerRef: r.provider_ref,
      traceparent: r.traceparent,
    }));
  }

  /**
   * Records a claimed step's outcome in `tx`: the intent, its ledger row and the replies commit
   * together. Only under the claim's own lease: a worker whose lease ran out and was taken over
   * records nothing (the one that took over calls the provider with the same idempotency key and
   * records). Resolves with whether the intent owes another provider call (`more`), or `busy` when
   * a command's transaction holds the intent right now (record it again in a moment).
   */
  async record(tx: Kysely<AnySchema>, step: ClaimedStep, outcome: Outcome): Promise<'recorded' | 'stale' | 'more' | 'busy'> {
    const row = await this.#leased(tx, step);
    if (!row || row === 'busy') return row ?? 'stale';
    const decision = decideOutcome(stateOf(row), step.operation, outcome);
    const following = nextOperation(decision.status, decision.target);
    const authorized = outcome.kind === 'authorized' ? outcome : undefined;
    const { rows } = await sql<IntentRow>`
      update payment_intents set
        status = ${decision.status},
        target = ${decision.target},
        provider_ref = coalesce(${authorized?.providerRef ?? null}, provider_ref),
        brand = coalesce(${authorized?.brand ?? null}, brand),
        last4 = coalesce(${authorized?.last4 ?? null}, last4),
        failure_reason = coalesce(${decision.failure?.reason ?? null}, failure_reason),
        failure_detail = coalesce(${decision.failure?.detail.slice(0, 500) ?? null}, failure_detail),
        last_error = null,
        next_operation = ${following},
        attempts = 0,
        next_attempt_at = now(),
        lease_token = null,
        lease_until = null,
        updated_at = now()
      where order_id = ${step.orderId}
      returning ${INTENT_COLUMNS}`.execute(tx);
    const updated = rows[0];
    if (!updated) throw new Error(`payment intent ${step.orderId} vanished`);
    if (decision.ledger) await this.#ledger(tx, updated, decision.ledger);
    await this.#publish(tx, step.orderId, updated, decision.replies, updated.traceparent ?? undefined);
    return following === null ? 'recorded' : 'more';
  }

  /** Gives a claimed step back to be tried again after `delayMs` (a void or refund the provider would not do yet). */
  async postpone(step: ClaimedStep, delayMs: number, error: string): Promise<void> {
    await sql`
      update payment_intents
      set lease_token = null, lease_until = null, next_attempt_at = now() + make_interval(secs => ${delayMs / 1000}),
          last_error = ${error.slice(0, 500)}, updated_at = now()
      where order_id = ${step.orderId} and lease_token = ${step.leaseToken}`.execute(this.#db);
  }

  /** Ends a claim without an outcome, so the step is due again at once (a stopping worker gives back what it did not start). */
  async release(step: ClaimedStep): Promise<void> {
    await sql`
      update payment_intents set lease_token = null, lease_until = null, attempts = greatest(attempts - 1, 0), updated_at = now()
      where order_id = ${step.orderId} and lease_token = ${step.leaseToken}`.execute(this.#db);
  }

  /** The admin view of an order's payment; undefined when payments never heard of the order. */
  async view(orderId: string): Promise<PaymentView | undefined> {
    const row = await this.#intent(this.#db, orderId, false);
    if (!row) return undefined;
    const { rows } = await sql<{ kind: LedgerKind; amount: string; currency: string; at: Date }>`
      select kind, amount, currency, at from payment_ledger where order_id = ${orderId} order by id`.execute(this.#db);
    return {
      orderId,
      status: row.status,
      amount: moneyOf(row),
      brand: row.brand,
      last4: row.last4,
      ledger: rows.map((r) => ({ kind: r.kind, amount: { amount: Number(r.amount), currency: r.currency }, at: r.at.toISOString() })),
    };
  }

  async #intent(db: Kysely<AnySchema>, orderId: string, lock: boolean): Promise<IntentRow | undefined> {
    const { rows } = lock
      ? await sql<IntentRow>`select ${INTENT_COLUMNS} from payment_intents where order_id = ${orderId} for update`.execute(db)
      : await sql<IntentRow>`select ${INTENT_COLUMNS} from payment_intents where order_id = ${orderId}`.execute(db);
    return rows[0];
  }

  /**
   * The intent under this claim, locked; `busy` while a command's transaction holds it. Never
   * waiting for a lock here means a record group (which locks several intents) and a consumer's
   * group of commands (which locks several, in arrival order) can never wait on each other in a cycle.
   */
  async #leased(tx: Kysely<AnySchema>, step: ClaimedStep): Promise<IntentRow | 'busy' | undefined> {
    const { rows } = await sql<IntentRow>`
      select ${INTENT_COLUMNS} from payment_intents
      where order_id = ${step.orderId} and lease_token = ${step.leaseToken} and next_operation = ${step.operation}
      for update skip locked`.execute(tx);
    if (rows[0]) return rows[0];
    const { rows: held } = await sql<{ held: boolean }>`
      select true as held from payment_intents
      where order_id = ${step.orderId} and lease_token = ${step.leaseToken} and next_operation = ${step.operation}`.execute(tx);
    return held.length > 0 ? 'busy' : undefined;
  }

  async #create(
    tx: Kysely<AnySchema>,
    orderId: string,
    status: PaymentStatus,
    target: PaymentTarget,
    command: PaymentCommand,
    traceparent: string | undefined,
  ): Promise<IntentRow | undefined> {
    const money = command.kind === 'authorize' ? command.amount : undefined;
    const next = nextOperation(status, target);
    const { rows } = await sql<IntentRow>`
      insert into payment_intents (order_id, payment_id, status, target, amount, currency, provider, traceparent, next_operation)
      values (${orderId}, ${uuidv7()}, ${status}, ${target}, ${money?.amount ?? null}, ${money?.currency ?? null}, ${this.#provider},
              ${traceparent ?? null}, ${next})
      on conflict (order_id) do nothing
      returning ${INTENT_COLUMNS}${wakeWorkersIf(next !== null)}`.execute(tx);
    return rows[0];
  }

  async #retarget(tx: Kysely<AnySchema>, current: IntentRow, target: PaymentTarget, traceparent: string | undefined): Promise<IntentRow> {
    const next = nextOperation(current.status, target);
    // A step already owed keeps its claim and attempts (it may be at the provider right now); a new one is due at once.
    const fresh = next !== current.next_operation;
    const { rows } = await sql<IntentRow>`
      update payment_intents set
        target = ${target},
        traceparent = coalesce(${traceparent ?? null}, traceparent),
        next_operation = ${next},
        attempts = case when ${fresh} then 0 else attempts end,
        next_attempt_at = case when ${fresh} then now() else next_attempt_at end,
        updated_at = now()
      where order_id = ${current.order_id}
      returning ${INTENT_COLUMNS}${wakeWorkersIf(fresh && next !== null)}`.execute(tx);
    const row = rows[0];
    if (!row) throw new Error(`payment intent ${current.order_id} vanished`);
    return row;
  }

  async #ledger(tx: Kysely<AnySchema>, row: IntentRow, kind: LedgerKind): Promise<void> {
    if (row.amount === null || row.currency === null || row.provider_ref === null) {
      throw new Error(`payment intent ${row.order_id} has no authorized amount for a ${kind}`);
    }
    // The unique (order_id, kind) makes a second capture (or void, refund) fail this transaction, never count twice.
    await sql`insert into payment_ledger (order_id, kind, amount, currency, provider_ref)
      values (${row.order_id}, ${kind}, ${row.amount}, ${row.currency}, ${row.provider_ref})`.execute(tx);
  }

  /** Replies to the saga; `row` is undefined only for a refusal about an order payments never heard of. */
  async #publish(
    tx: Kysely<AnySchema>,
    orderId: string,
    row: IntentRow | undefined,
    replies: readonly Reply[],
    traceparent: string | undefined,
  ): Promise<void> {
    const subject = orderId;
    for (const reply of replies) {
      if (reply.type === 'failed') {
        await this.#outbox.publish(tx, PaymentFailed, {
          subject,
          data: { orderId, operation: reply.operation, reason: reply.reason, detail: reply.detail.slice(0, 500) },
          traceparent,
        });
        continue;
      }
      if (!row) throw new Error(`a ${reply.type} reply for order ${orderId} without its payment intent`);
      const paymentId = row.payment_id;
      const money = moneyOf(row);
      switch (reply.type) {
        case 'authorized':
          if (!money || row.brand === null || row.last4 === null) throw new Error(`payment ${orderId} is authorized without its card`);
          await this.#outbox.publish(tx, PaymentAuthorized, {
            subject,
            data: { orderId, paymentId, amount: money, brand: row.brand, last4: row.last4 },
            traceparent,
          });
          break;
        case 'captured':
          if (!money) throw new Error(`payment ${orderId} is captured without an amount`);
          await this.#outbox.publish(tx, PaymentCaptured, { subject, data: { orderId, paymentId, amount: money }, traceparent });
          break;
        case 'voided':
          await this.#outbox.publish(tx, PaymentVoided, {
            subject,
            data: { orderId, paymentId: reply.withPayment ? paymentId : null },
            traceparent,
          });
          break;
        case 'refunded':
          if (!money) throw new Error(`payment ${orderId} is refunded without an amount`);
          await this.#outbox.publish(tx, PaymentRefunded, { subject, data: { orderId, paymentId, amount: money }, traceparent });
          break;
      }
    }
  }
}
