import { type EventDefinition, EventEnvelope } from '@mercato/contracts';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';
import type { AnySchema } from '../database.ts';
import type { Delivery, DeliveryHandler } from './event-bus.ts';
import { traceIdOf } from './trace-context.ts';

export interface HandlerContext {
  /** The transaction the inbox row is written in: the handler's writes commit with it, or not at all. */
  tx: Transaction<AnySchema>;
  /** A logger carrying the event's id, type and trace id. */
  log: Logger;
  attempt: number;
}

/** What a service consumes: listed in its `handlers.ts`, one entry per handler. */
export interface Subscription<E extends EventDefinition = EventDefinition> {
  /** Defaults to the service's name; two entries with one consumer name share deliveries. */
  consumer?: string;
  events: readonly E[];
  handle(event: EventEnvelope<Static<E['data']>> & { type: E['type'] }, context: HandlerContext): Promise<void>;
  concurrency?: number;
  /** Deliveries before the event goes to the dead letters; default 5. */
  maxAttempts?: number;
}

export type DeadLetterCounter = (consumer: string) => void;

/** Why an envelope cannot be handled at all; undefined when it is valid. */
export function invalidEnvelopeReason(raw: unknown, schemas: ReadonlyMap<string, TSchema>): string | undefined {
  if (!Value.Check(EventEnvelope, raw)) {
    const [first] = Value.Errors(EventEnvelope, raw);
    return `invalid envelope at ${first?.instancePath || '/'}: ${first?.message ?? 'unknown'}`;
  }
  const schema = schemas.get(raw.type);
  if (!schema) return `no handler for event type ${raw.type}`;
  if (!Value.Check(schema, raw.data)) {
    const [first] = Value.Errors(schema, raw.data);
    return `invalid ${raw.type} data at ${first?.instancePath || '/'}: ${first?.message ?? 'unknown'}`;
  }
  return undefined;
}

export async function recordDeadLetter(
  db: Kysely<AnySchema>,
  consumer: string,
  raw: unknown,
  reason: string,
  attempts: number,
): Promise<void> {
  const envelope = raw as { id?: unknown; type?: unknown };
  const eventId = typeof envelope?.id === 'string' ? envelope.id : null;
  const type = typeof envelope?.type === 'string' ? envelope.type : null;
  await sql`insert into mercato_dead_letters (consumer, event_id, type, envelope, reason, attempts)
            values (${consumer}, ${eventId}, ${type}, ${JSON.stringify(raw ?? null)}::jsonb, ${reason.slice(0, 2000)}, ${attempts})`.execute(
    db,
  );
}

/**
 * Turns a Subscription into what the bus calls per delivery: validate (an invalid event goes straight
 * to the dead letters), then run the handler in one transaction with the inbox row, so a redelivered
 * event has no second effect. A handler that still fails on its last attempt sends the event to the
 * dead letters, and the delivery is acknowledged: a poison event never blocks the ones behind it.
 */
export function consumerHandler(options: {
  db: Kysely<AnySchema>;
  consumer: string;
  subscription: Subscription;
  log: Logger;
  onDeadLetter?: DeadLetterCounter;
}): { handle: DeliveryHandler; handleNow: (raw: unknown) => Promise<'handled' | 'duplicate'> } {
  const { db, consumer, subscription, log } = options;
  const maxAttempts = subscription.maxAttempts ?? 5;
  const schemas = new Map(subscription.events.map((e) => [e.type, e.data]));

  async function run(raw: unknown, attempt: number): Promise<'handled' | 'duplicate'> {
    const event = raw as EventEnvelope;
    const eventLog = log.child({
      eventId: event.id,
      eventType: event.type,
      subject: event.subject,
      traceId: traceIdOf(event.traceparent),
      attempt,
    });
    return db.transaction().execute(async (tx) => {
      const inserted =
        await sql`insert into mercato_inbox (consumer, event_id) values (${consumer}, ${event.id}) on conflict do nothing`.execute(tx);
      if (Number(inserted.numAffectedRows ?? 0) === 0) return 'duplicate' as const;
      await subscription.handle(event as never, { tx, log: eventLog, attempt });
      return 'handled' as const;
    });
  }

  async function deadLetter(raw: unknown, reason: string, attempts: number): Promise<void> {
    await recordDeadLetter(db, consumer, raw, reason, attempts);
    options.onDeadLetter?.(consumer);
    log.error({ consumer, eventId: (raw as { id?: string })?.id, reason, attempts }, 'event sent to the dead letters');
  }

  return {
    async handle({ event, attempt }: Delivery) {
      const invalid = invalidEnvelopeReason(event, schemas);
      if (invalid) return deadLetter(event, invalid, attempt);
      try {
        await run(event, attempt);
      } catch (error) {
        if (attempt < maxAttempts) {
          log.warn({ err: error, consumer, eventId: (event as EventEnvelope).id, attempt }, 'handler failed; will retry');
          throw error;
        }
        await deadLetter(event, `failed ${attempt} times; last error: ${(error as Error)?.message ?? String(error)}`, attempt);
      }
    },
    /** Runs the handler once, now (a replay from the dead letters); throws what the handler throws. */
    async handleNow(raw: unknown) {
      const invalid = invalidEnvelopeReason(raw, schemas);
      if (invalid) throw new Error(invalid);
      return run(raw, 1);
    },
  };
}

/** Declares a subscription with its handler typed by the events it lists. */
export function subscription<E extends EventDefinition>(spec: Subscription<E>): Subscription {
  return spec as unknown as Subscription;
}
