import { defineService, sql, subscription } from '../../src/index.ts';
import { ThingHappened } from './test-events.ts';

/** A consumer for the contract suite: records one `effects` row per handled event. */
export function consumerDefinition(name: string, maxAttempts = 3) {
  return defineService({
    name,
    register: false,
    migrations: new URL('../fixtures/bus-migrations/', import.meta.url),
    subscriptions: (_deps, { instanceId }) => [
      subscription({
        events: [ThingHappened],
        maxAttempts,
        async handle(event, { tx }) {
          const { data } = event;
          if (data.slowMs) await sql`select pg_sleep(${data.slowMs / 1000})`.execute(tx);
          if (data.poison) throw new Error(`event ${data.n} is poison`);
          if (data.replayable) {
            const { rows } = await sql<{ broken: boolean }>`select broken from handler_switches where name = 'replay'`.execute(tx);
            if (rows[0]?.broken) throw new Error('the replay switch is broken');
          }
          await sql`insert into effects (consumer, instance, event_id, subject, n)
                    values (${name}, ${instanceId}, ${event.id}, ${event.subject}, ${data.n})`.execute(tx);
        },
      }),
    ],
  });
}
