import type { EventDefinition, EventEnvelope } from '@mercato/contracts';
import { type Kysely, sql } from 'kysely';
import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';
import type { AnySchema } from '../database.ts';
import { childTraceparent } from './trace-context.ts';
import { uuidv7 } from './uuid-v7.ts';

export interface PublishInput<S extends TSchema> {
  subject: string;
  data: Static<S>;
  /** The traceparent of the work that caused the event (an incoming request's header); a new trace otherwise. */
  traceparent?: string;
}

/**
 * The only way a service publishes: `outbox.publish(tx, event, …)` inside the transaction that
 * changes the state the event announces. Commit makes both durable; rollback neither.
 */
export class Outbox {
  readonly #source: string;
  constructor(source: string) {
    this.#source = source;
  }

  async publish<T extends string, S extends TSchema>(
    tx: Kysely<AnySchema>,
    definition: EventDefinition<T, S>,
    input: PublishInput<S>,
  ): Promise<EventEnvelope<Static<S>>> {
    const [envelope] = await this.publishMany(tx, definition, [input]);
    if (!envelope) throw new Error('nothing published');
    return envelope;
  }

  /** Many events of one type in one statement (in the given order), e.g. a bulk change. */
  async publishMany<T extends string, S extends TSchema>(
    tx: Kysely<AnySchema>,
    definition: EventDefinition<T, S>,
    inputs: readonly PublishInput<S>[],
  ): Promise<EventEnvelope<Static<S>>[]> {
    const envelopes = inputs.map((input) => {
      if (!Value.Check(definition.data, input.data)) {
        const [first] = Value.Errors(definition.data, input.data);
        throw new Error(`${definition.type} data is invalid at ${first?.instancePath || '/'}: ${first?.message ?? 'unknown'}`);
      }
      const envelope: EventEnvelope<Static<S>> = {
        id: uuidv7(),
        type: definition.type,
        source: this.#source,
        time: new Date().toISOString(),
        subject: input.subject,
        traceparent: childTraceparent(input.traceparent),
        data: input.data,
      };
      return envelope;
    });
    if (envelopes.length === 0) return [];
    // unnest keeps the array order, so `seq` (and so publish order) follows the input order.
    await sql`insert into mercato_outbox (id, subject, envelope)
              select * from unnest(${envelopes.map((e) => e.id)}::uuid[], ${envelopes.map((e) => e.subject)}::text[], ${envelopes.map((e) => JSON.stringify(e))}::jsonb[])`.execute(
      tx,
    );
    return envelopes;
  }
}
