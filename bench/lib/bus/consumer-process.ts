// The benchmark's consumer, as its own process (the publisher runs in the bench process).
import { runService, sql, subscription } from '@mercato/kit';
import { BenchPinged, benchMigrations } from './bench-event.ts';

await runService({
  name: 'benchsink',
  register: false,
  migrations: benchMigrations,
  subscriptions: () => [
    subscription({
      events: [BenchPinged],
      concurrency: 16,
      async handle(event, { tx }) {
        await sql`insert into arrivals (seq, latency_ms) values (${event.data.seq}, ${Date.now() - event.data.sentAt})`.execute(tx);
      },
    }),
  ],
});
