import type { Logger } from 'pino';
import { Histogram } from 'prom-client';
import type { DeadLetterCounter } from '../bus/consumer.ts';
import { consumerHandler } from '../bus/consumer.ts';
import type { EventBus } from '../bus/event-bus.ts';
import type { Subscription } from '../bus/subscription.ts';
import { ConfigError } from '../config.ts';
import type { Database } from '../database.ts';
import type { Metrics } from '../metrics.ts';
import type { Tracer } from '../tracing/tracer.ts';

/** Deliveries handed to a consumer at once (at least pg-boss's fetch batch). */
const DEFAULT_HANDLER_CONCURRENCY = 64;

/** Seconds from an event's publication (`time`) to its delivery to a consumer: the bus's lag as the consumer sees it. */
function consumeLagHistogram(metrics: Metrics): Histogram<'consumer' | 'type'> {
  return new Histogram({
    name: 'mercato_bus_consume_lag_seconds',
    help: 'Time from an event being published to a consumer receiving it, in seconds',
    labelNames: ['consumer', 'type'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [metrics.registry],
  });
}

/** A service's consumers, one per subscription, keyed by consumer name. */
export class Consumers {
  readonly #service: string;
  readonly #entries = new Map<string, { subscription: Subscription; handler: ReturnType<typeof consumerHandler> }>();

  constructor(options: {
    service: string;
    subscriptions: readonly Subscription[];
    database: Database<unknown> | undefined;
    log: Logger;
    tracer?: Tracer;
    metrics?: Metrics;
    onDeadLetter: DeadLetterCounter;
  }) {
    this.#service = options.service;
    const lag = options.metrics && consumeLagHistogram(options.metrics);
    for (const subscription of options.subscriptions) {
      if (!options.database) throw new Error(`${options.service} consumes events but owns no database for its inbox`);
      const consumer = subscription.consumer ?? options.service;
      // One consumer name is one durable consumer on the bus: a second entry would silently replace the first.
      if (this.#entries.has(consumer)) throw new Error(`${options.service} lists the consumer ${consumer} twice: merge the subscriptions`);
      const handler = consumerHandler({
        db: options.database.db,
        consumer,
        subscription,
        log: options.log,
        tracer: options.tracer,
        observeLag: lag && ((type, seconds) => lag.observe({ consumer, type }, seconds)),
        onDeadLetter: options.onDeadLetter,
      });
      this.#entries.set(consumer, { subscription, handler });
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Runs one event through a consumer's handler now (a replay from the dead letters). */
  async handleNow(consumer: string, envelope: unknown): Promise<string> {
    const entry = this.#entries.get(consumer);
    if (!entry) throw new Error(`no consumer ${consumer} in this service`);
    return entry.handler.handleNow(envelope);
  }

  /** Starts every consumer on the bus. */
  async subscribe(bus: EventBus | undefined): Promise<void> {
    for (const [consumer, { subscription, handler }] of this.#entries) {
      if (!bus) throw new ConfigError('BUS_DATABASE_URL', `is required: ${this.#service} consumes events (or set NATS_URL)`);
      await bus.subscribe(
        consumer,
        subscription.events.map((e) => e.type),
        handler.handle,
        // A fetched batch holds distinct subjects: let all of it reach the consumer at once, so it
        // commits as one group rather than as many small groups one after another.
        { concurrency: subscription.concurrency ?? DEFAULT_HANDLER_CONCURRENCY },
      );
    }
  }
}
