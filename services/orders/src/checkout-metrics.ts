import type { CancelReason } from '@mercato/contracts';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CheckoutFacts } from './domain/checkout-facts.ts';

const CANCEL_REASONS: readonly CancelReason[] = ['out_of_stock', 'payment_declined', 'payment_failed', 'customer_request', 'expired'];

/**
 * The checkout's business metrics on the service's `/metrics`. Each instance counts the facts its own
 * transactions committed (the saga calls these after commit), so summing the instances counts each
 * order once; after every checkout has settled, placed = confirmed + cancelled.
 */
export class CheckoutMetrics {
  readonly #placed: Counter;
  readonly #confirmed: Counter;
  readonly #cancelled: Counter<'reason'>;
  readonly #revenue: Counter<'currency'>;
  readonly #stepDuration: Histogram<'step'>;

  /**
   * `oldestStepAgeSeconds` is read at each scrape; `before` resolves when the scrape's other reads of
   * the database are done, so this one reuses their pooled connection instead of opening another.
   */
  constructor(options: {
    registry: Registry;
    currency: string;
    oldestStepAgeSeconds: () => Promise<number>;
    before?: () => Promise<unknown>;
  }) {
    const registers = [options.registry];
    this.#placed = new Counter({ name: 'mercato_orders_placed_total', help: 'Orders placed (checkouts started)', registers });
    this.#confirmed = new Counter({
      name: 'mercato_orders_confirmed_total',
      help: 'Checkouts that ended confirmed: stock committed and payment captured',
      registers,
    });
    this.#cancelled = new Counter({
      name: 'mercato_orders_cancelled_total',
      help: 'Checkouts that ended cancelled, by reason (an order cancelled after its confirmation stays counted as confirmed)',
      labelNames: ['reason'] as const,
      registers,
    });
    this.#revenue = new Counter({
      name: 'mercato_revenue_confirmed_minor_units_total',
      help: 'Totals of confirmed orders, in minor units of their currency',
      labelNames: ['currency'] as const,
      registers,
    });
    this.#stepDuration = new Histogram({
      name: 'mercato_saga_step_duration_seconds',
      help: 'From a checkout saga command being sent to its reply being applied, by step',
      labelNames: ['step'] as const,
      // A step answers in milliseconds when all is well (authorize and capture add the provider's ~100 ms);
      // the tail reaches the step timeout (30 s) and compensations resent for minutes.
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    // Zeros from the start, so a rate over a reason or the shop's currency exists before its first fact.
    for (const reason of CANCEL_REASONS) this.#cancelled.inc({ reason }, 0);
    this.#revenue.inc({ currency: options.currency }, 0);
    new Gauge({
      name: 'mercato_saga_oldest_step_age_seconds',
      help: 'How long the longest-waiting order in flight has been in its current saga step (0 when none is)',
      registers,
      async collect() {
        try {
          await options.before?.();
          this.set(await options.oldestStepAgeSeconds());
        } catch {
          // The database does not answer: the scrape still succeeds, with the last reading.
        }
      },
    });
  }

  placed(): void {
    this.#placed.inc();
  }

  /** A committed decision's facts; its answered steps were sent at `stepStartedAt`. */
  applied(facts: CheckoutFacts, stepStartedAt: Date, now = Date.now()): void {
    if (facts.confirmed) {
      this.#confirmed.inc();
      this.#revenue.inc({ currency: facts.confirmed.currency }, facts.confirmed.amount);
    }
    if (facts.cancelled) this.#cancelled.inc({ reason: facts.cancelled });
    const seconds = Math.max(0, now - stepStartedAt.getTime()) / 1000;
    for (const step of facts.answered) this.#stepDuration.observe({ step }, seconds);
  }
}

/** Whether a decision's facts need counting at all (most replies move a step; a duplicate does not). */
export function hasFacts(facts: CheckoutFacts): boolean {
  return facts.confirmed !== undefined || facts.cancelled !== undefined || facts.answered.length > 0;
}
