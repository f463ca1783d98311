import { type AnySchema, type Kysely, sql } from '@mercato/kit';
import { uuidv7At } from './uuid-v7.ts';

export interface InboxHistory {
  /** The consumer that handled them (a service's consumers are named after it). */
  consumer: string;
  events: number;
  /** Seconds between two handled events. */
  everySeconds: number;
  /** Seconds since the newest was handled. */
  endedSecondsAgo: number;
}

/**
 * Handled events in a service database's `mercato_inbox` (the kit's bus tables; issue 9): ids UUIDv7
 * of their time, as the outbox makes them. The kit's query-plan test and the checkout bench's
 * `--history` share it; the caller runs `vacuum analyze`.
 */
export async function seedInboxHistory(db: Kysely<AnySchema>, history: InboxHistory): Promise<void> {
  const { consumer, events: n, everySeconds, endedSecondsAgo } = history;
  await sql`
    insert into mercato_inbox (consumer, event_id, handled_at)
    select ${consumer}::text, ${uuidv7At('at', 'i')}, at
    from (select i, now() - (${n} - i) * make_interval(secs => ${everySeconds}) - make_interval(secs => ${endedSecondsAgo}) as at
          from generate_series(1, ${n}) i) handled`.execute(db);
}
