import { fileURLToPath } from 'node:url';
import { connectDatabase, createService, type Service, sql } from '@mercato/kit';
import { createTestDatabase, type TestDatabase } from '@mercato/kit/testing';
import { spawnProcess } from '../spawn-process.ts';
import { percentile } from '../stats.ts';
import { BenchPinged, benchMigrations } from './bench-event.ts';

const consumerEntry = fileURLToPath(new URL('./consumer-process.ts', import.meta.url));

export interface BusFigures {
  adapter: string;
  throughputEventsPerSecond: number;
  throughputEvents: number;
  rateEventsPerSecond: number;
  rateP50Ms: number;
  rateP99Ms: number;
  rateEvents: number;
}

/**
 * One adapter, two measurements, outbox insert → committed handler effect in another process:
 * throughput (a burst of `burst` events, published in transactions of 500) and latency at a fixed
 * `rate` events/s for `seconds`.
 */
export async function measureBus(options: {
  adapter: string;
  busEnv: Record<string, string>;
  burst: number;
  rate: number;
  seconds: number;
  progress: (line: string) => void;
}): Promise<BusFigures> {
  const databases: TestDatabase[] = [];
  const pubDb = await createTestDatabase('bench_pub');
  const sinkDb = await createTestDatabase('bench_sink');
  databases.push(pubDb, sinkDb);
  let publisher: Service | undefined;
  const sink = await spawnProcess(consumerEntry, {
    BENCHSINK_DATABASE_URL: sinkDb.url,
    LOG_LEVEL: 'warn',
    MERCATO_AUTH: 'off',
    ...options.busEnv,
    ...(process.env.BENCH_PROFILE ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_PROFILE}` } : {}),
  });
  const sinkDatabase = connectDatabase(sinkDb.url);
  try {
    publisher = await createService(
      { name: 'benchsource', register: false, migrations: benchMigrations },
      { LOG_LEVEL: 'warn', MERCATO_AUTH: 'off', BENCHSOURCE_DATABASE_URL: pubDb.url, ...options.busEnv },
    );
    await publisher.start();
    const { database, outbox } = publisher.context;
    if (!database || !outbox) throw new Error('the publisher has no database');
    const arrived = async () => Number((await sql<{ n: string }>`select count(*) as n from arrivals`.execute(sinkDatabase.db)).rows[0]?.n);
    const publish = (from: number, count: number) =>
      database.db.transaction().execute((tx) =>
        outbox.publishMany(
          tx,
          BenchPinged,
          Array.from({ length: count }, (_, i) => ({ subject: `s${(from + i) % 64}`, data: { sentAt: Date.now(), seq: from + i } })),
        ),
      );
    const waitArrivals = async (target: number, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while ((await arrived()) < target) {
        if (Date.now() > deadline) throw new Error(`only ${await arrived()} of ${target} events arrived within ${timeoutMs / 1000} s`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };

    options.progress(`${options.adapter}: warming up`);
    await publish(0, 200);
    await waitArrivals(200, 60_000);
    await sql`truncate arrivals`.execute(sinkDatabase.db);

    options.progress(`${options.adapter}: throughput, ${options.burst} events`);
    const started = performance.now();
    for (let from = 0; from < options.burst; from += 500) await publish(from, Math.min(500, options.burst - from));
    await waitArrivals(options.burst, 300_000);
    const throughputSeconds = (performance.now() - started) / 1000;
    await sql`truncate arrivals`.execute(sinkDatabase.db);

    options.progress(`${options.adapter}: latency at ${options.rate} events/s for ${options.seconds} s`);
    const tickMs = 10;
    const perTick = Math.max(1, Math.round((options.rate * tickMs) / 1000));
    const total = Math.round((options.seconds * 1000) / tickMs) * perTick;
    const rateStarted = performance.now();
    let seq = 0;
    for (let tick = 0; seq < total; tick++) {
      const due = rateStarted + tick * tickMs;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      await publish(seq, perTick);
      seq += perTick;
    }
    const rateSeconds = (performance.now() - rateStarted) / 1000;
    await waitArrivals(total, 120_000);
    const { rows } = await sql<{ latency_ms: number }>`select latency_ms from arrivals order by latency_ms`.execute(sinkDatabase.db);
    const latencies = rows.map((r) => r.latency_ms);
    return {
      adapter: options.adapter,
      throughputEvents: options.burst,
      throughputEventsPerSecond: Math.round(options.burst / throughputSeconds),
      rateEvents: total,
      rateEventsPerSecond: Math.round(total / rateSeconds),
      rateP50Ms: percentile(latencies, 50),
      rateP99Ms: percentile(latencies, 99),
    };
  } finally {
    await publisher?.stop();
    await sink.stop();
    await sinkDatabase.close();
    for (const database of databases) await database.drop();
  }
}
