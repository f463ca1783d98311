import { GroupCommit, Listener, type Logger, type Metrics, type Span, type Tracer, transaction, withSpan } from '@mercato/kit';
import { ExponentialBackoff, handleWhen, retry, TimeoutStrategy, timeout, wrap } from 'cockatiel';
import { Counter } from 'prom-client';
import type { Outcome, ProviderOperation } from './domain/payment-intent.ts';
import type { PaymentTokenSource } from './order-tokens.ts';
import { PaymentMetrics } from './payment-metrics.ts';
import { idempotencyKey, type PaymentProvider, ProviderRejectedError } from './providers/payment-provider.ts';
import { type ClaimedStep, type PaymentsStore, WORK_CHANNEL } from './store.ts';

/** API.md: a failing provider call is retried 3 times (4 calls), then the step fails. */
export const PROVIDER_RETRIES = 3;
/** Backoff between those calls: about 50, 100, 200 ms (with jitter) — short next to a checkout's 30 s bound. */
const RETRY_INITIAL_DELAY_MS = 50;
const RETRY_MAX_DELAY_MS = 500;
/** Room in a lease, after the calls, to record the outcome (a transaction that may wait for a pooled connection). */
const RECORD_ALLOWANCE_MS = 2_000;
/** A void or refund that keeps failing is tried again later, backing off up to this. */
const COMPENSATION_RETRY_MAX_MS = 60_000;
/** Asking orders for a card token again backs off up to this. */
const TOKEN_RETRY_MAX_MS = 5_000;
/** The listener reconnects after this when its connection dropped (the poll covers the gap). */
const LISTEN_RETRY_MS = 1_000;

type RecordResult = 'recorded' | 'stale' | 'more';
/** How long an outcome whose intent a command's transaction holds waits before it is recorded again. */
const BUSY_RETRY_MS = 5;

export interface PaymentWorkerOptions {
  store: PaymentsStore;
  provider: PaymentProvider;
  log: Logger;
  metrics: Metrics;
  /** A client span per provider step, in the trace of the command that made it due. */
  tracer?: Tracer;
  /** For the LISTEN connection (the same database as the store). */
  connectionString: string | undefined;
  /** Provider calls in flight at once (each one holds a slot through its retries). */
  concurrency: number;
  /** How often the worker looks for due steps without being woken (crash recovery, retries coming due). */
  pollMs: number;
  /** One provider call's bound; the claim's lease is derived from it. */
  callTimeoutMs: number;
  /** The card token for an authorization, asked for right before the provider call (never stored here). */
  paymentTokens: PaymentTokenSource;
}

/**
 * Makes the provider calls that intents owe, outside any transaction. Woken by a NOTIFY when a
 * command's transaction commits (and by its own records), plus a poll. It claims due steps with a
 * lease (`for update skip locked`, so two instances never claim one step), calls the provider with
 * the step's idempotency key — retrying transient failures with backoff — and records the outcome,
 * the ledger row and the reply in a new transaction. A process that dies between the call and the
 * record leaves the lease to run out; whoever claims the step next calls with the same key, gets
 * the first outcome, and records it once.
 */
export class PaymentWorker {
  readonly #options: PaymentWorkerOptions;
  readonly #calls: Counter<'operation' | 'outcome'>;
  readonly #outcomes: PaymentMetrics;
  /** Retries what may pass (not a rejection), each call bounded by the timeout (which aborts the call's signal). */
  readonly #policy;
  /**
   * Longer than a step can take — every call with its timeout, the backoffs between, and room to
   * record — so a live worker never loses its claim; it is also how long a dead worker's step waits
   * before another claims it (11.5 s with the default 2 s call timeout).
   */
  readonly leaseMs: number;
  readonly #inFlight = new Set<Promise<void>>();
  #claiming: Promise<void> | undefined;
  #wakeAgain = false;
  /** The last claim filled every free slot: more may be due, so a slot that frees up claims again. */
  #backlog = false;
  /**
   * Outcomes are recorded in groups, as the kit's consumer handles events: one commit (one WAL flush)
   * per provider call competed with the consumer's own commits.
   */
  readonly #records: GroupCommit<{ step: ClaimedStep; outcome: Outcome; span: Span | undefined }, RecordResult | 'busy'>;
  #stopped = true;
  #poll: NodeJS.Timeout | undefined;
  #listener: Listener | undefined;

  constructor(options: PaymentWorkerOptions) {
    this.#options = options;
    this.leaseMs = (PROVIDER_RETRIES + 1) * options.callTimeoutMs + PROVIDER_RETRIES * RETRY_MAX_DELAY_MS + RECORD_ALLOWANCE_MS;
    this.#policy = wrap(
      retry(
        handleWhen((error) => !(error instanceof ProviderRejectedError)),
        {
          maxAttempts: PROVIDER_RETRIES,
          backoff: new ExponentialBackoff({ initialDelay: RETRY_INITIAL_DELAY_MS, maxDelay: RETRY_MAX_DELAY_MS }),
        },
      ),
      timeout(options.callTimeoutMs, TimeoutStrategy.Aggressive),
    );
    this.#calls = new Counter({
      name: 'payments_provider_calls_total',
      help: 'Calls to the payment provider, by operation and outcome (success, declined, rejected, error)',
      labelNames: ['operation', 'outcome'] as const,
      registers: [options.metrics.registry],
    });
    this.#outcomes = new PaymentMetrics(options.metrics.registry);
    const { store } = options;
    this.#records = new GroupCommit({
      // Groups never share an intent (one claim per step), and a record never waits for a command's lock (`busy`): no lock cycles.
      commit: (group) =>
        transaction(store.db, async (tx) => {
          const results: (RecordResult | 'busy')[] = [];
          // Each step's replies hang under its own provider span, whichever step's turn started the group.
          for (const { step, outcome, span } of group) results.push(await withSpan(span, () => store.record(tx, step, outcome)));
          return results;
        }),
    });
  }

  async start(): Promise<void> {
    this.#stopped = false;
    await this.#listen();
    this.#poll = setInterval(() => this.wake(), this.#options.pollMs);
    this.#poll.unref();
    this.wake();
  }

  /**
   * Stops claiming; waits, at most `boundMs`, for the steps in flight to be recorded while the
   * database is still open. A step still running after that keeps its lease, which runs out, and
   * another instance takes it over with the same idempotency key.
   */
  async stop(boundMs: number): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#poll);
    await this.#listener?.close();
    this.#listener = undefined;
    let bound: NodeJS.Timeout | undefined;
    await Promise.race([
      (async () => {
        await this.#claiming;
        await Promise.allSettled([...this.#inFlight]);
      })(),
      new Promise((resolve) => {
        bound = setTimeout(resolve, boundMs);
      }),
    ]);
    clearTimeout(bound);
  }

  /** Looks for due steps now (coalesced: one claim query at a time, another after it if woken meanwhile). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#claiming) {
      this.#wakeAgain = true;
      return;
    }
    this.#claiming = this.#claimWhileDue().finally(() => {
      this.#claiming = undefined;
      if (this.#wakeAgain && !this.#stopped) {
        this.#wakeAgain = false;
        this.wake();
      }
    });
  }

  async #claimWhileDue(): Promise<void> {
    try {
      for (;;) {
        this.#wakeAgain = false;
        const free = this.#options.concurrency - this.#inFlight.size;
        if (free <= 0 || this.#stopped) return;
        const steps = await this.#options.store.claim(free, this.leaseMs);
        for (const step of steps) this.#run(step);
        // A full batch may have left more behind; a short one means nothing else is due right now.
        this.#backlog = steps.length === free;
        if (!this.#backlog) return;
      }
    } catch (error) {
      this.#options.log.warn({ err: error }, 'could not claim payment steps; the poll will try again');
    }
  }

  #run(step: ClaimedStep): void {
    const tracer = this.#options.tracer?.enabled ? this.#options.tracer : undefined;
    const span = tracer?.startSpan(`provider ${step.operation}`, 'client', {
      parent: step.traceparent,
      attributes: {
        'peer.service': 'payment-provider',
        'payment.operation': step.operation,
        'order.id': step.orderId,
        attempt: step.attempt,
      },
    });
    const job = withSpan(span, () => this.#perform(step, span)).finally(() => {
      span?.end();
      this.#inFlight.delete(job);
      // A slot is free: claim what waited for one.
      if (this.#backlog) this.wake();
    });
    this.#inFlight.add(job);
  }

  async #perform(step: ClaimedStep, span: Span | undefined): Promise<void> {
    const { log, store } = this.#options;
    if (this.#stopped) {
      await store.release(step).catch(() => undefined);
      return;
    }
    let token: string | undefined;
    if (step.operation === 'authorize') {
      try {
        token = await this.#options.paymentTokens(step.orderId);
      } catch (error) {
        // Orders is restarting or unreachable: the token is still there, ask again shortly.
        log.warn({ orderId: step.orderId, err: error }, 'could not get the payment token from orders; will retry');
        const delay = Math.min(TOKEN_RETRY_MAX_MS, 250 * 2 ** Math.min(step.attempt - 1, 5));
        await store
          .postpone(step, delay, describe(error))
          .catch((e) => log.warn({ err: e, orderId: step.orderId }, 'could not postpone a step'));
        return;
      }
    }
    let outcome: Outcome;
    try {
      outcome = await this.#call(step, token);
    } catch (error) {
      const detail = describe(error);
      if (step.operation === 'void' || step.operation === 'refund') {
        // A compensation has no failure reply: it must happen. Try again later, backing off.
        const delay = Math.min(COMPENSATION_RETRY_MAX_MS, 1_000 * 2 ** Math.min(step.attempt - 1, 6));
        log.error(
          { orderId: step.orderId, operation: step.operation, attempt: step.attempt, err: error },
          'provider refused a compensation; will retry',
        );
        await store.postpone(step, delay, detail).catch((e) => log.warn({ err: e, orderId: step.orderId }, 'could not postpone a step'));
        return;
      }
      log.warn({ orderId: step.orderId, operation: step.operation, err: error }, 'provider call failed for good');
      outcome = { kind: 'failed', detail };
    }
    span?.set('payment.outcome', outcome.kind);
    if (outcome.kind === 'declined' || outcome.kind === 'failed') span?.fail(`payment ${outcome.kind}`);
    try {
      const recorded = await this.#record(step, outcome, span);
      if (recorded === 'stale')
        log.warn({ orderId: step.orderId, operation: step.operation }, 'lease lost before recording; another worker took the step');
      // Committed under this claim's lease: the one record of this outcome, whoever called the provider before.
      else this.#outcomes.recorded(step.operation, outcome);
    } catch (error) {
      // The lease runs out and the step is claimed again: the provider answers the same key with the same outcome.
      log.error(
        { orderId: step.orderId, operation: step.operation, err: error },
        'could not record a provider outcome; the step will be retried',
      );
    }
  }

  /** One step at the provider: up to 1 + PROVIDER_RETRIES calls, each bounded by the call timeout. */
  async #call(step: ClaimedStep, token: string | undefined): Promise<Outcome> {
    const { provider } = this.#options;
    const key = idempotencyKey(step.orderId, step.operation);
    return this.#policy.execute(async ({ signal }) => {
      const counted = <T>(call: Promise<T>, success: (value: T) => string) => this.#count(step.operation, call, success);
      const { amount, providerRef } = step;
      switch (step.operation) {
        case 'authorize': {
          if (!token || !amount) throw new ProviderRejectedError('the order has no payment token (spent or gone) or no amount');
          const answer = await counted(provider.authorize(token, amount, key, signal), (a) =>
            a.outcome === 'authorized' ? 'success' : 'declined',
          );
          return answer.outcome === 'authorized'
            ? { kind: 'authorized', providerRef: answer.providerRef, brand: answer.brand, last4: answer.last4 }
            : { kind: 'declined', detail: answer.detail };
        }
        case 'capture':
          if (!providerRef || !amount) throw new ProviderRejectedError('nothing authorized to capture');
          await counted(provider.capture(providerRef, amount, key, signal), () => 'success');
          return { kind: 'done' };
        case 'void':
          if (!providerRef) throw new ProviderRejectedError('nothing authorized to void');
          await counted(provider.void(providerRef, key, signal), () => 'success');
          return { kind: 'done' };
        case 'refund':
          if (!providerRef || !amount) throw new ProviderRejectedError('nothing captured to refund');
          await counted(provider.refund(providerRef, amount, key, signal), () => 'success');
          return { kind: 'done' };
      }
    });
  }

  async #count<T>(operation: ProviderOperation, call: Promise<T>, success: (value: T) => string): Promise<T> {
    try {
      const value = await call;
      this.#calls.inc({ operation, outcome: success(value) });
      return value;
    } catch (error) {
      this.#calls.inc({ operation, outcome: error instanceof ProviderRejectedError ? 'rejected' : 'error' });
      throw error;
    }
  }

  /** Records with two quick retries (a dropped connection), then leaves it to the lease. */
  async #record(step: ClaimedStep, outcome: Outcome, span: Span | undefined): Promise<RecordResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        let result = await this.#records.submit({ step, outcome, span });
        while (result === 'busy') {
          // A command's transaction is changing the intent's target: record it once that has committed.
          await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_MS));
          result = await this.#records.submit({ step, outcome, span });
        }
        if (result === 'more') this.wake();
        return result;
      } catch (error) {
        if (attempt >= 3) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  }

  /** LISTEN on its own connection: commands' transactions NOTIFY at commit, so a new step starts at once. */
  async #listen(): Promise<void> {
    const { connectionString, log } = this.#options;
    if (!connectionString) return;
    this.#listener = new Listener({
      connectionString,
      channel: WORK_CHANNEL,
      applicationName: 'payments-worker',
      onNotify: () => this.wake(),
    });
    await this.#listener.keepListening(LISTEN_RETRY_MS, {
      // Whatever was committed while not listening.
      onListening: () => this.wake(),
      onFailure: (error) => log.warn({ err: error }, 'payments worker cannot LISTEN; relying on its poll until it can'),
    });
  }
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.slice(0, 500) || 'provider error';
}
