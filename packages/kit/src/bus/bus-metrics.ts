import type pg from 'pg';
import { Counter, Gauge } from 'prom-client';
import type { Metrics } from '../metrics.ts';

/** What one scrape reads from the service's database for the bus gauges. */
interface BusReadings {
  backlog: number;
  oldestAgeSeconds: number;
  deadLetters: { consumer: string; n: string }[];
}

/**
 * The three readings, one statement after the other on one pooled connection. prom-client collects
 * every gauge of a scrape at once: three reads at once took three connections, and a scrape every
 * 5 s (the gateway's) is more often than the pool's idle timeout, so every idle service held three
 * PostgreSQL backends open for it (~3 MiB each); now it holds one.
 */
async function readBus(pool: pg.Pool): Promise<BusReadings> {
  const client = await pool.connect().catch(() => undefined);
  if (!client) return { backlog: 0, oldestAgeSeconds: 0, deadLetters: [] };
  try {
    const backlog = await client.query<{ n: string }>('select count(*) as n from mercato_outbox').catch(() => ({ rows: [{ n: '0' }] }));
    const age = await client
      .query<{ age: number | null }>('select extract(epoch from now() - min(created_at))::float8 as age from mercato_outbox')
      .catch(() => ({ rows: [{ age: 0 }] }));
    const deadLetters = await client
      .query<{ consumer: string; n: string }>(
        'select consumer, count(*) as n from mercato_dead_letters where replayed_at is null group by consumer',
      )
      .catch(() => ({ rows: [] as { consumer: string; n: string }[] }));
    return { backlog: Number(backlog.rows[0]?.n ?? 0), oldestAgeSeconds: age.rows[0]?.age ?? 0, deadLetters: deadLetters.rows };
  } finally {
    client.release();
  }
}

/**
 * Outbox backlog and the age of its oldest row (read at scrape time), and dead letters per consumer.
 * Returns the function that counts a dead letter.
 */
export function installBusMetrics(metrics: Metrics, pool: pg.Pool): (consumer: string) => void {
  const registers = [metrics.registry];
  // The gauges of one scrape start collecting in the same tick: they share one reading.
  let reading: Promise<BusReadings> | undefined;
  const read = () =>
    (reading ??= readBus(pool).finally(() => {
      reading = undefined;
    }));
  new Gauge({
    name: 'mercato_outbox_backlog',
    help: 'Outbox rows not yet handed to the bus',
    registers,
    async collect() {
      this.set((await read()).backlog);
    },
  });
  new Gauge({
    name: 'mercato_outbox_oldest_age_seconds',
    help: 'Age of the oldest outbox row not yet handed to the bus (0 when empty)',
    registers,
    async collect() {
      this.set((await read()).oldestAgeSeconds);
    },
  });
  new Gauge({
    name: 'mercato_dead_letters_open',
    help: 'Events a consumer gave up on and nobody replayed yet',
    labelNames: ['consumer'] as const,
    registers,
    async collect() {
      const { deadLetters } = await read();
      this.reset();
      for (const row of deadLetters) this.set({ consumer: row.consumer }, Number(row.n));
    },
  });
  const deadLettered = new Counter({
    name: 'mercato_dead_letters_total',
    help: 'Events sent to the dead letters',
    labelNames: ['consumer'] as const,
    registers,
  });
  return (consumer) => deadLettered.inc({ consumer });
}
