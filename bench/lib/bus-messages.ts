import { streamName } from '@mercato/kit';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as connectNats } from '@nats-io/transport-node';
import { connect } from './sql-stats.ts';

/** Counts the bus's messages from `begin()` to `end()`, per pg-boss queue or per event type on NATS. */
export interface BusMessages {
  /** What one message is: a pg-boss job (one per subscribed queue) or a JetStream message (one per event). */
  unit: string;
  begin(): Promise<void>;
  end(): Promise<Map<string, number>>;
  close(): Promise<void>;
}

/**
 * pg-boss 12 keeps a job in `pgboss.job` (partitioned by queue) until its deletion time, days after it
 * completed, so every job created between two readings of the server's clock is still there to count.
 */
export async function pgBossMessages(busUrl: string): Promise<BusMessages> {
  const client = await connect(busUrl);
  let from: Date | undefined;
  return {
    unit: 'jobs',
    async begin() {
      from = (await client.query<{ at: Date }>('select clock_timestamp() as at')).rows[0]?.at;
    },
    async end() {
      const { rows } = await client.query<{ name: string; n: string }>(
        'select name, count(*) as n from pgboss.job where created_on >= $1 and created_on < clock_timestamp() group by name order by name',
        [from],
      );
      return new Map(rows.map((row) => [row.name, Number(row.n)]));
    },
    async close() {
      await client.end().catch(() => undefined);
    },
  };
}

/** The run's JetStream stream (one for all events, subjects `<namespace>.ev.<partition>.<type>`): messages per type. */
export async function natsMessages(natsUrl: string, namespace: string): Promise<BusMessages> {
  const nc = await connectNats({ servers: natsUrl });
  const jsm = await jetstreamManager(nc);
  const perType = async () => {
    const info = await jsm.streams.info(streamName(namespace), { subjects_filter: '>' });
    const counts = new Map<string, number>();
    for (const [subject, n] of Object.entries(info.state.subjects ?? {})) {
      const type = subject.slice(`${namespace}.ev.`.length).replace(/^\d+\./, '');
      counts.set(type, (counts.get(type) ?? 0) + n);
    }
    return counts;
  };
  let before = new Map<string, number>();
  return {
    unit: 'messages',
    async begin() {
      before = await perType();
    },
    async end() {
      const after = await perType();
      return new Map([...after].map(([type, n]) => [type, n - (before.get(type) ?? 0)] as const).filter(([, n]) => n > 0));
    },
    async close() {
      await nc.close().catch(() => undefined);
    },
  };
}
