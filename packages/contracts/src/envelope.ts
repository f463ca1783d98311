import { type Static, type TSchema, Type } from 'typebox';

/** `<service>.<entity>.<past-tense>.v<N>` for events, `<service>.<verb>.v<N>` for commands to one consumer. */
export const EventTypePattern = '^[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*){1,2}\\.v[1-9][0-9]*$';

/** The CloudEvents-shaped envelope every event and command travels in. */
export const EventEnvelope = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    type: Type.String({ pattern: EventTypePattern, maxLength: 128 }),
    source: Type.String({ minLength: 1, maxLength: 64 }),
    time: Type.String({ format: 'date-time' }),
    /** The entity the event is about (an order id, a SKU); events of one subject keep their order. */
    subject: Type.String({ minLength: 1, maxLength: 256 }),
    /** W3C trace context of the work that caused the event; empty when there was none. */
    traceparent: Type.String({ maxLength: 55 }),
    data: Type.Unknown(),
  },
  { additionalProperties: false },
);
export type EventEnvelope<D = unknown> = Omit<Static<typeof EventEnvelope>, 'data'> & { data: D };

/** One event type: its name and the schema of its `data`. */
export interface EventDefinition<T extends string = string, S extends TSchema = TSchema> {
  type: T;
  data: S;
}

export function defineEvent<T extends string, S extends TSchema>(type: T, data: S): EventDefinition<T, S> {
  if (!new RegExp(EventTypePattern).test(type)) throw new Error(`event type ${type} does not follow <service>.<entity>.<past-tense>.v<N>`);
  return { type, data };
}

export type EventData<E extends EventDefinition> = Static<E['data']>;
