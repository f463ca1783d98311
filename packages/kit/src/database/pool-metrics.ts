import type pg from 'pg';
import { Gauge } from 'prom-client';
import type { Metrics } from '../metrics.ts';

/**
 * The service's connection pool, read when scraped (pg.Pool's own counts, no query): connections
 * checked out, connections open and idle, and callers queued for one. Requests queuing while every
 * connection is in use is what a pool too small for the load looks like before latency shows it.
 */
export function installPoolMetrics(metrics: Metrics, pool: pg.Pool): void {
  const registers = [metrics.registry];
  new Gauge({
    name: 'mercato_db_pool_in_use_connections',
    help: 'Database connections checked out of the pool right now',
    registers,
    collect() {
      this.set(Math.max(0, pool.totalCount - pool.idleCount));
    },
  });
  new Gauge({
    name: 'mercato_db_pool_idle_connections',
    help: 'Database connections open and idle in the pool',
    registers,
    collect() {
      this.set(pool.idleCount);
    },
  });
  new Gauge({
    name: 'mercato_db_pool_waiting_requests',
    help: 'Callers waiting for a database connection because every one the pool may open is in use',
    registers,
    collect() {
      this.set(pool.waitingCount);
    },
  });
}
