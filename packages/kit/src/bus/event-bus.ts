import type { EventEnvelope } from '@mercato/contracts';

/** One delivery of one event to one consumer. */
export interface Delivery {
  /** The envelope as it arrived: the consumer validates it before use. */
  event: unknown;
  /** 1 on the first delivery, counting every redelivery and retry. */
  attempt: number;
}

/** Resolve: handled (acknowledged). Throw: deliver again later, with backoff. */
export type DeliveryHandler = (delivery: Delivery) => Promise<void>;

export interface SubscribeOptions {
  /** Deliveries handled at once by this instance (events of one subject are never concurrent). */
  concurrency: number;
}

/**
 * The bus port (eShop's IEventBus, small on purpose). Delivery is at least once; the consumer side
 * (`consumer.ts`) makes the effect exactly once with its inbox. Events of one `subject` reach a
 * consumer in publish order. All instances of one consumer share its deliveries; every consumer
 * gets every event it subscribed to.
 */
export interface EventBus {
  readonly kind: 'pg-boss' | 'nats';
  /** Durably hands events to the bus, in order. Only the outbox relay calls it. */
  publish(events: readonly EventEnvelope[]): Promise<void>;
  subscribe(consumer: string, types: readonly string[], handler: DeliveryHandler, options: SubscribeOptions): Promise<void>;
  /** Announces on the bus that a consumer gave up on an event (NATS: a dead-letter subject); optional. */
  deadLettered?(consumer: string, event: unknown, reason: string): void;
  /** Stops fetching and waits for handlers in flight. */
  close(): Promise<void>;
}

/** Exponential backoff between attempts: 250 ms, 500 ms, 1 s, … capped at 10 s. */
export function retryDelayMs(attempt: number): number {
  return Math.min(250 * 2 ** Math.max(0, attempt - 1), 10_000);
}
