import type { EventEnvelope } from '@mercato/contracts';
import type pg from 'pg';
import type { Logger } from 'pino';
import { Listener } from '../database/listener.ts';
import type { EventBus } from './event-bus.ts';

const BATCH_SIZE = 500;
/** The slow safety net under LISTEN/NOTIFY (a lost notification, a relay that just became leader). */
const SAFETY_POLL_MS = 5_000;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;
/** Any constant works: it only has to be the same for every instance of one service (one database). */
const RELAY_LOCK_KEY = 7_240_315;

/**
 * Moves committed outbox rows to the bus in commit order, in batches. One instance per service
 * relays at a time (a session advisory lock); the others stand by. Woken by NOTIFY from the outbox
 * trigger; while the bus is down rows wait and are retried with backoff, never skipped.
 */
export class OutboxRelay {
  readonly #pool: pg.Pool;
  readonly #bus: EventBus;
  readonly #log: Logger;
  /** The LISTEN connection, which also holds the relay lock: the lock goes with it if it drops. */
  readonly #listener: Listener;
  #stopped = false;
  #wake: (() => void) | undefined;
  #pending = false;
  #loop: Promise<void> | undefined;
  #busDown = false;
  published = 0;

  constructor(options: { pool: pg.Pool; connectionString: string; bus: EventBus; log: Logger }) {
    this.#pool = options.pool;
    this.#bus = options.bus;
    this.#log = options.log;
    this.#listener = new Listener({
      connectionString: options.connectionString,
      channel: 'mercato_outbox',
      applicationName: 'outbox-relay',
      onNotify: () => this.#poke(),
      prepare: async (client) => {
        const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [RELAY_LOCK_KEY]);
        return rows[0]?.locked === true;
      },
    });
  }

  start(): void {
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
    await this.#listener.close();
  }

  /** Publishes whatever is committed now; for tests and shutdown. */
  async flush(): Promise<number> {
    let total = 0;
    for (;;) {
      const sent = await this.#relayBatch();
      total += sent;
      if (sent < BATCH_SIZE) return total;
    }
  }

  async #run(): Promise<void> {
    let retryDelay = RETRY_MIN_MS;
    while (!this.#stopped) {
      try {
        if (!(await this.#holdLeadership())) {
          await this.#sleep(SAFETY_POLL_MS);
          continue;
        }
        const sent = await this.#relayBatch();
        if (this.#busDown) this.#log.info('bus reachable again; outbox flushing');
        this.#busDown = false;
        retryDelay = RETRY_MIN_MS;
        if (sent === BATCH_SIZE) continue; // more waiting: no sleep
        await this.#sleep(SAFETY_POLL_MS);
      } catch (error) {
        if (this.#stopped) return;
        if (!this.#busDown) this.#log.warn({ err: error }, 'outbox relay cannot publish; rows wait and are retried');
        this.#busDown = true;
        await this.#sleep(retryDelay);
        retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
      }
    }
  }

  /** Connects the LISTEN client if needed, taking the relay lock on it; false while another instance holds it. */
  #holdLeadership(): Promise<boolean> {
    return this.#listener.connect();
  }

  async #relayBatch(): Promise<number> {
    this.#pending = false;
    const { rows } = await this.#pool.query<{ seq: string; envelope: EventEnvelope }>(
      'select seq, envelope from mercato_outbox order by seq limit $1',
      [BATCH_SIZE],
    );
    if (rows.length === 0) return 0;
    await this.#bus.publish(rows.map((r) => r.envelope));
    // A crash between publish and delete publishes these again: consumers' inboxes absorb the duplicates.
    await this.#pool.query('delete from mercato_outbox where seq = any($1::bigint[])', [rows.map((r) => r.seq)]);
    this.published += rows.length;
    return rows.length;
  }

  #poke(): void {
    this.#pending = true;
    this.#wake?.();
  }

  #sleep(ms: number): Promise<void> {
    if (this.#pending || this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = undefined;
        done();
      };
    });
  }
}
