import type { EventEnvelope } from '@mercato/contracts';
import { type JobWithMetadata, PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import type { DeliveryHandler, EventBus, SubscribeOptions } from './event-bus.ts';
import { uuidv7 } from './uuid-v7.ts';

/** How long a subscriber list stays cached for publishing; subscriptions change only at service start. */
const SUBSCRIBERS_TTL_MS = 2_000;
/** pg-boss retries (its delays are whole seconds); the consumer dead-letters long before the last one. */
const RETRY_LIMIT = 50;
/** A job whose worker died is retried after this (pg-boss's minimum heartbeat). */
const HEARTBEAT_SECONDS = 10;
const FETCH_BATCH = 50;

function queueName(consumer: string): string {
  return `mercato.${consumer}`;
}

/**
 * The embedded default: pg-boss in the `bus` database. Each consumer is a `key_strict_fifo` queue
 * keyed by the event's subject (FIFO per subject, across instances, while other subjects flow), woken
 * by NOTIFY. Publishing inserts each event once per subscribed queue, in batches.
 */
export class PgBossBus implements EventBus {
  readonly kind = 'pg-boss' as const;
  readonly #boss: PgBoss;
  readonly #log: Logger;
  readonly #subscribers = new Map<string, { queues: string[]; at: number }>();

  private constructor(boss: PgBoss, log: Logger) {
    this.#boss = boss;
    this.#log = log;
  }

  /**
   * `consumes: false` (a service that only publishes) starts no LISTEN connection, no supervision
   * and no cron clock: nothing works its queues, so nothing there needs waking or supervising (the
   * consumers' instances do that), and its pool empties while it has nothing to publish, instead
   * of holding two idle connections to the bus database for good.
   */
  static async connect(connectionString: string, log: Logger, options: { poolSize?: number; consumes?: boolean } = {}): Promise<PgBossBus> {
    const consumes = options.consumes ?? true;
    const boss = new PgBoss({
      connectionString,
      useListenNotify: consumes,
      supervise: consumes,
      schedule: consumes,
      max: options.poolSize ?? 6,
      application_name: 'mercato-bus',
      // Supervision finds jobs whose worker died (missed heartbeats) and retries them: check often.
      superviseIntervalSeconds: 5,
      monitorIntervalSeconds: 5,
    });
    boss.on('error', (error) => log.warn({ err: error }, 'pg-boss error'));
    await boss.start();
    return new PgBossBus(boss, log);
  }

  async publish(events: readonly EventEnvelope[]): Promise<void> {
    const byQueue = new Map<string, { id: string; data: EventEnvelope; singletonKey: string }[]>();
    for (const event of events) {
      for (const queue of await this.#queuesFor(event.type)) {
        const jobs = byQueue.get(queue) ?? [];
        // Ids made now in publish order: within one insert they break the created_on tie, keeping subject order.
        jobs.push({ id: uuidv7(), data: event, singletonKey: event.subject });
        byQueue.set(queue, jobs);
      }
    }
    await Promise.all([...byQueue].map(([queue, jobs]) => this.#boss.insert(queue, jobs)));
  }

  async subscribe(consumer: string, types: readonly string[], handler: DeliveryHandler, options: SubscribeOptions): Promise<void> {
    const queue = queueName(consumer);
    await this.#ensureQueue(queue);
    for (const type of types) await this.#boss.subscribe(type, queue);
    this.#subscribers.clear();
    let workerId = '';
    workerId = await this.#boss.work(
      queue,
      {
        batchSize: FETCH_BATCH,
        burstWhenBatchFull: true,
        includeMetadata: true,
        perJobResults: true,
        localConcurrency: 1,
        // The poll is the backstop for what NOTIFY does not announce: a retry coming due, a
        // subject's next job after its head completed (handled below), a worker that just died.
        pollingIntervalSeconds: 1,
        notifyPollingIntervalSeconds: 1,
        heartbeatSeconds: HEARTBEAT_SECONDS,
      },
      async (jobs: JobWithMetadata<EventEnvelope>[]) => {
        const results = await this.#handleBatch(jobs, handler, options.concurrency);
        // A completed head releases its subject's next job, which no NOTIFY announces: fetch again at once.
        if (jobs.length > 0) this.#boss.notifyWorker(workerId);
        return results;
      },
    );
  }

  /** Creates a consumer's queue unless it exists; consumers that are not running yet still get their events. */
  async #ensureQueue(queue: string): Promise<void> {
    if (await this.#boss.getQueue(queue)) return;
    try {
      await this.#boss.createQueue(queue, {
        policy: 'key_strict_fifo',
        notify: true,
        retryLimit: RETRY_LIMIT,
        retryDelay: 1,
        retryBackoff: true,
        retryDelayMax: 10,
        heartbeatSeconds: HEARTBEAT_SECONDS,
      });
    } catch (error) {
      // Another instance created it at the same moment.
      if (!(await this.#boss.getQueue(queue))) throw error;
    }
  }

  async close(): Promise<void> {
    await this.#boss.stop({ graceful: true, timeout: 10_000, close: true });
  }

  /** key_strict_fifo hands out at most one job per subject, so a batch can run concurrently. */
  async #handleBatch(jobs: JobWithMetadata<EventEnvelope>[], handler: DeliveryHandler, concurrency: number) {
    const results: { id: string; status: 'completed' | 'failed'; output?: object }[] = [];
    let next = 0;
    const lane = async () => {
      while (next < jobs.length) {
        const job = jobs[next++];
        if (!job) return;
        try {
          await handler({ event: job.data, attempt: job.retryCount + 1 });
          results.push({ id: job.id, status: 'completed' });
        } catch (error) {
          results.push({ id: job.id, status: 'failed', output: { message: (error as Error)?.message ?? String(error) } });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, jobs.length)) }, lane));
    return results;
  }

  async #queuesFor(type: string): Promise<string[]> {
    const cached = this.#subscribers.get(type);
    if (cached && Date.now() - cached.at < SUBSCRIBERS_TTL_MS) return cached.queues;
    const rows = (await this.#boss.getDb().executeSql('select name from pgboss.subscription where event = $1', [type])) as unknown as {
      rows: { name: string }[];
    };
    const queues = rows.rows.map((r) => r.name);
    this.#subscribers.set(type, { queues, at: Date.now() });
    if (queues.length === 0) this.#log.debug({ type }, 'no consumer subscribed to this event type');
    return queues;
  }
}
