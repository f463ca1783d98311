import { EventEnvelope } from '@mercato/contracts';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import { Compile } from 'typebox/compile';
import { GroupCommit } from '../database/group-commit.ts';
import type { AnySchema } from '../database.ts';
import type { Span } from '../tracing/span.ts';
import { type Tracer, withSpan } from '../tracing/tracer.ts';
import type { Delivery, DeliveryHandler } from './event-bus.ts';
import type { HandlerContext, Subscription } from './subscription.ts';

export type DeadLetterCounter = (consumer: string, event: unknown, reason: string) => void;

type Validator = { Check(value: unknown): boolean; Errors(value: unknown): { instancePath: string; message: string }[] };
const envelopeValidator: Validator = Compile(EventEnvelope);

/** Why an envelope cannot be handled at all; undefined when it is valid. */
export function invalidEnvelopeReason(raw: unknown, validators: ReadonlyMap<string, Validator>): string | undefined {
  if (!envelopeValidator.Check(raw)) {
    const [first] = envelopeValidator.Errors(raw);
    return `invalid envelope at ${first?.instancePath || '/'}: ${first?.message ?? 'unknown'}`;
  }
  const type = (raw as EventEnvelope).type;
  const validator = validators.get(type);
  if (!validator) return `no handler for event type ${type}`;
  const data = (raw as EventEnvelope).data;
  if (!validator.Check(data)) {
    const [first] = validator.Errors(data);
    return `invalid ${type} data at ${first?.instancePath || '/'}: ${first?.message ?? 'unknown'}`;
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

interface Pending {
  event: EventEnvelope;
  attempt: number;
  /** The consumer's span for this delivery: a child of the publisher's (the envelope's `traceparent`). */
  span?: Span;
}

/** The consumer span of one delivery; an event about an order (`data.orderId`) names it, so the order's trace is found by it. */
function consumerSpan(tracer: Tracer | undefined, consumer: string, event: EventEnvelope, attempt: number): Span | undefined {
  if (!tracer) return undefined;
  const orderId = (event.data as { orderId?: unknown } | null)?.orderId;
  return tracer.startSpan(`process ${event.type}`, 'consumer', {
    parent: event.traceparent,
    attributes: {
      'messaging.consumer': consumer,
      'messaging.source': event.source,
      'event.type': event.type,
      'event.id': event.id,
      'event.subject': event.subject,
      attempt,
      ...(typeof orderId === 'string' ? { 'order.id': orderId } : {}),
    },
  });
}

/**
 * Turns a Subscription into what the bus calls per delivery: validate (an invalid event goes straight
 * to the dead letters), then run the handler in a transaction together with the inbox row, so a
 * redelivered event has no second effect. A handler that still fails on its last attempt sends the
 * event to the dead letters, and the delivery is acknowledged: a poison event never blocks the ones
 * behind it.
 *
 * Deliveries that arrive while a transaction is in flight are handled together in the next one
 * (`GroupCommit`): one BEGIN/COMMIT and one inbox insert for the group instead of per event. The bus
 * never has two events of one subject in flight for one consumer, so a group holds distinct
 * subjects. If any handler in a group throws, the group rolls back and each event runs alone, so one
 * failure affects only its own event.
 */
export function consumerHandler(options: {
  db: Kysely<AnySchema>;
  consumer: string;
  subscription: Subscription;
  log: Logger;
  tracer?: Tracer;
  /** Seconds from the event's publication to this delivery, per event type. */
  observeLag?: (type: string, seconds: number) => void;
  onDeadLetter?: DeadLetterCounter;
}): { handle: DeliveryHandler; handleNow: (raw: unknown) => Promise<'handled' | 'duplicate'> } {
  const { db, consumer, subscription, log } = options;
  const maxAttempts = subscription.maxAttempts ?? 5;
  const validators = new Map<string, Validator>(subscription.events.map((e) => [e.type, Compile(e.data) as Validator]));

  function contextFor(event: EventEnvelope, tx: Transaction<AnySchema>, attempt: number): HandlerContext {
    let child: Logger | undefined;
    return {
      tx,
      attempt,
      // Made on first use: most handlers never log, and a child logger per event costs.
      get log() {
        // The trace, span and order ids come from the current span (the logger's mixin).
        child ??= log.child({ eventId: event.id, eventType: event.type, subject: event.subject, attempt });
        return child;
      },
    };
  }

  /** One transaction: the inbox rows of the whole group in one statement, then each new event's handler. */
  async function runGroup(group: readonly Pending[]): Promise<('handled' | 'duplicate')[]> {
    return db.transaction().execute(async (tx) => {
      const ids = group.map((g) => g.event.id);
      const { rows } = await sql<{ event_id: string }>`insert into mercato_inbox (consumer, event_id)
        select ${consumer}, unnest(${ids}::uuid[]) on conflict do nothing returning event_id`.execute(tx);
      const fresh = new Set(rows.map((r) => r.event_id));
      const outcomes: ('handled' | 'duplicate')[] = [];
      for (const { event, attempt, span } of group) {
        if (!fresh.has(event.id)) {
          span?.set('duplicate', true);
          outcomes.push('duplicate');
          continue;
        }
        await withSpan(span, () => subscription.handle(event as never, contextFor(event, tx, attempt)));
        outcomes.push('handled');
      }
      return outcomes;
    });
  }

  async function deadLetter(raw: unknown, reason: string, attempts: number): Promise<void> {
    await recordDeadLetter(db, consumer, raw, reason, attempts);
    options.onDeadLetter?.(consumer, raw, reason);
    log.error({ consumer, eventId: (raw as { id?: string })?.id, reason, attempts }, 'event sent to the dead letters');
  }

  /** A single event's failure: retry later (rethrown), or give up into the dead letters on the last attempt. */
  async function failed(item: Pending, error: unknown): Promise<'dead-lettered'> {
    if (item.attempt < maxAttempts) {
      log.warn({ err: error, consumer, eventId: item.event.id, attempt: item.attempt }, 'handler failed; will retry');
      throw error;
    }
    await deadLetter(item.event, `failed ${item.attempt} times; last error: ${(error as Error)?.message ?? String(error)}`, item.attempt);
    return 'dead-lettered';
  }

  const groups = new GroupCommit<Pending, 'handled' | 'duplicate' | 'dead-lettered'>({ commit: runGroup, failed });

  return {
    async handle({ event, attempt }: Delivery) {
      const invalid = invalidEnvelopeReason(event, validators);
      if (invalid) return deadLetter(event, invalid, attempt);
      const envelope = event as EventEnvelope;
      const publishedAt = Date.parse(envelope.time);
      if (options.observeLag && Number.isFinite(publishedAt))
        options.observeLag(envelope.type, Math.max(0, Date.now() - publishedAt) / 1_000);
      const span = consumerSpan(options.tracer, consumer, envelope, attempt);
      try {
        const outcome = await groups.submit({ event: envelope, attempt, span });
        if (outcome === 'dead-lettered') span?.fail('sent to the dead letters');
        span?.end();
      } catch (error) {
        span?.fail(`will retry: ${(error as Error)?.message ?? String(error)}`).end();
        throw error;
      }
    },
    /** Runs the handler once, now (a replay from the dead letters); throws what the handler throws. */
    async handleNow(raw: unknown) {
      const invalid = invalidEnvelopeReason(raw, validators);
      if (invalid) throw new Error(invalid);
      const event = raw as EventEnvelope;
      const span = consumerSpan(options.tracer, consumer, event, 1)?.set('replayed', true);
      try {
        const [outcome] = await runGroup([{ event, attempt: 1, span }]);
        span?.end();
        return outcome ?? 'duplicate';
      } catch (error) {
        span?.fail((error as Error)?.message).end();
        throw error;
      }
    },
  };
}
