import type { EventDefinition, EventEnvelope } from '@mercato/contracts';
import type { Static, TSchema } from 'typebox';
import { createService, defineService, sql, subscription } from '../index.ts';
import { createTestDatabase } from './test-database.ts';

/** Publishes one event through the observer's outbox, inside the transaction `Observer.publish` opened. */
export type ObserverSend = <T extends string, S extends TSchema>(
  definition: EventDefinition<T, S>,
  subject: string,
  data: Static<S>,
) => Promise<EventEnvelope<Static<S>>>;

/**
 * Another service on the bus, standing in for the peers a test does not start: it records every
 * event it subscribes to, and publishes as a peer does (its outbox, then the bus).
 */
export interface Observer {
  /** Publishes what `work` sends, in order, in one transaction. */
  publish<R>(work: (send: ObserverSend) => Promise<R>): Promise<R>;
  /** Hands envelopes to the bus again as they are, ids included: what a relay that crashed before deleting its rows does. */
  republish(...envelopes: EventEnvelope[]): Promise<void>;
  /** The events it received about one subject, in the order it handled them. */
  received<D = unknown>(subject: string): Promise<{ type: string; data: D }[]>;
  /** How many events of one type it received. */
  count(type: string): Promise<number>;
  /** Stops it and drops its database. */
  stop(): Promise<void>;
}

/** Records every event it receives in its `seen` table. */
function observerDefinition(events: readonly EventDefinition[], concurrency: number | undefined) {
  return defineService({
    name: 'observer',
    register: false,
    migrations: new URL('./observer-migrations/', import.meta.url),
    subscriptions: () => [
      subscription({
        events,
        concurrency,
        async handle(event, { tx }) {
          await sql`insert into seen (type, subject, data) values (${event.type}, ${event.subject}, ${JSON.stringify(event.data)}::jsonb)`.execute(
            tx,
          );
        },
      }),
    ],
  });
}

/** Starts an observer of `events` on the bus at `busUrl`, with a database of its own (named after `label`). */
export async function startObserver(options: {
  label: string;
  busUrl: string;
  events: readonly EventDefinition[];
  /** Events handled at once; the consumer's default when not set. */
  concurrency?: number;
  logLevel?: string;
}): Promise<Observer> {
  const database = await createTestDatabase(`${options.label}_observer`);
  const service = await createService(observerDefinition(options.events, options.concurrency), {
    LOG_LEVEL: options.logLevel ?? 'silent',
    MERCATO_AUTH: 'off',
    OBSERVER_DATABASE_URL: database.url,
    BUS_DATABASE_URL: options.busUrl,
  });
  await service.start();
  const { database: own, outbox, bus } = service.context;
  // Set: BUS_DATABASE_URL is given above.
  if (!bus) throw new Error('the observer has no bus');
  return {
    publish: (work) =>
      own.db.transaction().execute((tx) => work((definition, subject, data) => outbox.publish(tx, definition, { subject, data }))),
    republish: (...envelopes) => bus.publish(envelopes),
    async received<D>(subject: string) {
      const { rows } = await sql<{ type: string; data: D }>`select type, data from seen where subject = ${subject} order by id`.execute(
        own.db,
      );
      return rows;
    },
    async count(type) {
      const { rows } = await sql<{ n: string }>`select count(*) as n from seen where type = ${type}`.execute(own.db);
      return Number(rows[0]?.n ?? 0);
    },
    async stop() {
      await service.stop();
      await database.drop();
    },
  };
}
