import type { EventDefinition, EventEnvelope } from '@mercato/contracts';
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Static } from 'typebox';
import type { AnySchema } from '../database.ts';

export interface HandlerContext {
  /** The transaction the inbox row is written in: the handler's writes commit with it, or not at all. */
  tx: Transaction<AnySchema>;
  /** A logger carrying the event's id, type and trace id. */
  log: Logger;
  attempt: number;
}

/**
 * One delivery of one of the events `E` lists. Checking `event.type` against an event's definition
 * narrows `data` to that event's own type: the consumer has validated it against that schema before
 * the handler runs.
 */
export type DeliveryOf<E extends EventDefinition> = E extends EventDefinition
  ? Omit<EventEnvelope<Static<E['data']>>, 'type'> & { type: E['type'] }
  : never;

/** What a service consumes: listed in its `handlers.ts`, one entry per consumer. */
export interface Subscription<E extends EventDefinition = EventDefinition> {
  /** Defaults to the service's name; a service may not list one consumer name twice. */
  consumer?: string;
  events: readonly E[];
  handle(event: DeliveryOf<E>, context: HandlerContext): Promise<void>;
  concurrency?: number;
  /** Deliveries before the event goes to the dead letters; default 5. */
  maxAttempts?: number;
}

/** Declares a subscription with its handler typed by the events it lists. */
export function subscription<const E extends EventDefinition>(spec: Subscription<E>): Subscription {
  return spec as unknown as Subscription;
}
