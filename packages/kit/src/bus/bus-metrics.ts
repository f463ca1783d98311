import type pg from 'pg';
import { Counter, Gauge } from 'prom-client';
import type { Metrics } from '../metrics.ts';

/**
 * Outbox backlog and the age of its oldest row (read at scrape time), and dead letters per consumer.
 * Returns the function that counts a dead letter.
 */
export function installBusMetrics(metrics: Metrics, pool: pg.Pool): (consumer: string) => void {
  const registers = [metrics.registry];
  new Gauge({
    name: 'mercato_outbox_backlog',
    help: 'Outbox rows not yet handed to the bus',
    registers,
    async collect() {
      const { rows } = await pool.query<{ n: string }>('select count(*) as n from mercato_outbox').catch(() => ({ rows: [{ n: '0' }] }));
      this.set(Number(rows[0]?.n ?? 0));
    },
  });
  new Gauge({
    name: 'mercato_outbox_oldest_age_seconds',
    help: 'Age of the oldest outbox row not yet handed to the bus (0 when empty)',
    registers,
    async collect() {
      const { rows } = await pool
        .query<{ age: number | null }>('select extract(epoch from now() - min(created_at))::float8 as age from mercato_outbox')
        .catch(() => ({ rows: [{ age: 0 }] }));
      this.set(rows[0]?.age ?? 0);
    },
  });
  new Gauge({
    name: 'mercato_dead_letters_open',
    help: 'Events a consumer gave up on and nobody replayed yet',
    labelNames: ['consumer'] as const,
    registers,
    async collect() {
      const { rows } = await pool
        .query<{ consumer: string; n: string }>(
          'select consumer, count(*) as n from mercato_dead_letters where replayed_at is null group by consumer',
        )
        .catch(() => ({ rows: [] as { consumer: string; n: string }[] }));
      this.reset();
      for (const row of rows) this.set({ consumer: row.consumer }, Number(row.n));
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
