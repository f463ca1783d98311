import type { EventDefinition, EventEnvelope } from '@mercato/contracts';
import { type Kysely, sql } from 'kysely';
import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import type { AnySchema } from '../database.ts';
import { parseTraceparent } from '../tracing/span.ts';
import { currentSpan, type Tracer } from '../tracing/tracer.ts';
import { childTraceparent } from './trace-context.ts';
import { uuidv7 } from './uuid-v7.ts';

export interface PublishInput<S extends TSchema> {
  subject: string;
  data: Static<S>;
  /**
   * The traceparent of the work that caused the event, when that work is not the current span (a
   * stored one, e.g. a payment step's); by default the current span, else a new trace.
   */
  traceparent?: string;
}

type Validator = { Check(value: unknown): boolean; Errors(value: unknown): Iterable<{ instancePath: string; message: string }> };
/** Compiled once per event definition: checking each event with the interpreted `Value.Check` cost more than its insert. */
const validators = new WeakMap<TSchema, Validator>();
function validatorOf(schema: TSchema): Validator {
  let validator = validators.get(schema);
  if (!validator) {
    validator = Compile(schema) as unknown as Validator;
    validators.set(schema, validator);
  }
  return validator;
}

/**
 * The only way a service publishes: `outbox.publish(tx, event, …)` inside the transaction that
 * changes the state the event announces. Commit makes both durable; rollback neither.
 */
export class Outbox {
  readonly #source: string;
  readonly #tracer: Tracer | undefined;
  constructor(source: string, tracer?: Tracer) {
    this.#source = source;
    this.#tracer = tracer;
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
    const envelopes = inputs.map((input) => this.#envelope(definition, input));
    await insert(tx, envelopes);
    return envelopes;
  }

  /** Events of any types in one statement, in the given order: the commands one decision sends. */
  async publishAll(
    tx: Kysely<AnySchema>,
    events: readonly { definition: EventDefinition; input: PublishInput<TSchema> }[],
  ): Promise<EventEnvelope[]> {
    const envelopes = events.map(({ definition, input }) => this.#envelope(definition, input));
    await insert(tx, envelopes);
    return envelopes;
  }

  #envelope<T extends string, S extends TSchema>(definition: EventDefinition<T, S>, input: PublishInput<S>): EventEnvelope<Static<S>> {
    const validator = validatorOf(definition.data);
    if (!validator.Check(input.data)) {
      const [first] = validator.Errors(input.data);
      throw new Error(`${definition.type} data is invalid at ${first?.instancePath || '/'}: ${first?.message ?? 'unknown'}`);
    }
    const id = uuidv7();
    return {
      id,
      type: definition.type,
      source: this.#source,
      time: new Date().toISOString(),
      subject: input.subject,
      traceparent: this.#producerTraceparent(definition.type, id, input),
      data: input.data,
    };
  }

  /** A producer span under the work that publishes (ended at once: the bus hop is the consumer span's wait), whose context the event carries. */
  #producerTraceparent(type: string, id: string, input: PublishInput<TSchema>): string {
    const parent = currentSpan() ?? parseTraceparent(input.traceparent);
    if (!this.#tracer) return childTraceparent(input.traceparent ?? currentSpan()?.traceparent);
    const orderId = (input.data as { orderId?: unknown } | null)?.orderId;
    const span = this.#tracer.startSpan(`publish ${type}`, 'producer', {
      parent: parent ?? null,
      attributes: {
        'event.type': type,
        'event.id': id,
        'event.subject': input.subject,
        ...(typeof orderId === 'string' ? { 'order.id': orderId } : {}),
      },
    });
    span.end();
    return span.traceparent;
  }
}

async function insert(tx: Kysely<AnySchema>, envelopes: readonly EventEnvelope[]): Promise<void> {
  if (envelopes.length === 0) return;
  // unnest keeps the array order, so `seq` (and so publish order) follows the input order.
  await sql`insert into mercato_outbox (id, subject, envelope)
            select * from unnest(${envelopes.map((e) => e.id)}::uuid[], ${envelopes.map((e) => e.subject)}::text[], ${envelopes.map((e) => JSON.stringify(e))}::jsonb[])`.execute(
    tx,
  );
}
