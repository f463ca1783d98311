import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { setImmediate } from 'node:timers/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { type AnySchema, type Kysely, sql, type Transaction } from '@mercato/kit';
import type { ModelChange, Position } from './domain/model-change.ts';

/** A constant the snapshot writers lock on, so two instances never write one at the same moment. */
const SNAPSHOT_LOCK = 0x7ec0_0001;

/** Recommendations' database: the log of model changes every instance applies, and the model's snapshots. */
export class RecommendationsStore {
  readonly #db: Kysely<AnySchema>;

  constructor(db: Kysely<AnySchema>) {
    this.#db = db;
  }

  /** Writes changes in the consumer's transaction: they become visible to every instance when it commits. */
  async record(tx: Transaction<AnySchema>, changes: readonly ModelChange[]): Promise<void> {
    if (changes.length === 0) return;
    await sql`insert into model_changes (change) select * from unnest(${changes.map((c) => JSON.stringify(c))}::jsonb[])`.execute(tx);
  }

  /**
   * The changes after `position`, oldest first, from transactions that ended before every transaction
   * still running began: a later read can then never find a row before the position it reached.
   */
  async changesAfter(position: Position, limit: number): Promise<{ position: Position; change: ModelChange }[]> {
    const { rows } = await sql<{ tx: string; seq: string; change: ModelChange }>`
      select tx::text as tx, seq::text as seq, change from model_changes
      where (tx, seq) > (${position.tx}::xid8, ${position.seq}::bigint)
        and tx < pg_snapshot_xmin(pg_current_snapshot())
      order by tx, seq limit ${limit}`.execute(this.#db);
    return rows.map((row) => ({ position: { tx: row.tx, seq: row.seq }, change: row.change }));
  }

  /** The latest snapshot's position and its lines (a model of any size is never one string). */
  async latestSnapshot(): Promise<{ position: Position; lines: AsyncIterable<string> } | undefined> {
    const { rows } = await sql<{ tx: string; seq: string; model: Buffer }>`
      select position_tx::text as tx, position_seq::text as seq, model from model_snapshots order by id desc limit 1`.execute(this.#db);
    const row = rows[0];
    if (!row) return undefined;
    const lines = createInterface({ input: Readable.from([row.model]).pipe(createGunzip()), crlfDelay: Number.POSITIVE_INFINITY });
    return { position: { tx: row.tx, seq: row.seq }, lines };
  }

  /**
   * Keeps a snapshot of the model at `position` unless another instance is writing one or a newer one
   * is there (checked first, so only one instance serialises). `lines` are gzipped as they come, on
   * zlib's threads, with a turn of the event loop every 1,000 lines so answers go on meanwhile. Then
   * drops older snapshots and the changes the snapshot holds that are older than `keepChangesFor`,
   * and records how far the log was trimmed (`trimmedTo`: an instance behind it reloads the snapshot).
   */
  async saveSnapshot(position: Position, lines: Iterable<string>, keepChangesFor: string): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${SNAPSHOT_LOCK}) as locked`.execute(tx);
      if (!rows[0]?.locked) return false;
      const { rows: newer } = await sql`
        select 1 from model_snapshots
        where (position_tx, position_seq) >= (${position.tx}::xid8, ${position.seq}::bigint) limit 1`.execute(tx);
      if (newer.length > 0) return false;
      const data = await gzipLines(lines);
      await sql`insert into model_snapshots (position_tx, position_seq, model)
                values (${position.tx}::xid8, ${position.seq}::bigint, ${data})`.execute(tx);
      await sql`delete from model_snapshots where id < (select max(id) from model_snapshots)`.execute(tx);
      const { rows: trimmed } = await sql<{ tx: string; seq: string }>`
        with gone as (
          delete from model_changes
          where (tx, seq) <= (${position.tx}::xid8, ${position.seq}::bigint) and recorded_at < now() - ${keepChangesFor}::interval
          returning tx, seq)
        select tx::text as tx, seq::text as seq from gone order by tx desc, seq desc limit 1`.execute(tx);
      const last = trimmed[0];
      if (last) {
        await sql`insert into model_changes_trimmed (id, position_tx, position_seq) values (1, ${last.tx}::xid8, ${last.seq}::bigint)
                  on conflict (id) do update set position_tx = excluded.position_tx, position_seq = excluded.position_seq`.execute(tx);
      }
      return true;
    });
  }

  /** The position of the last change deleted from the log, if any was. */
  async trimmedTo(): Promise<Position | undefined> {
    const { rows } = await sql<{ tx: string; seq: string }>`
      select position_tx::text as tx, position_seq::text as seq from model_changes_trimmed where id = 1`.execute(this.#db);
    return rows[0];
  }
}

/** Whether position `a` comes after `b` in the log's (tx, seq) order. */
export function after(a: Position, b: Position): boolean {
  const [ta, tb, sa, sb] = [BigInt(a.tx), BigInt(b.tx), BigInt(a.seq), BigInt(b.seq)];
  return ta > tb || (ta === tb && sa > sb);
}

async function gzipLines(lines: Iterable<string>): Promise<Buffer> {
  const gzip = createGzip();
  const chunks: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = once(gzip, 'end');
  let count = 0;
  for (const line of lines) {
    if (!gzip.write(`${line}\n`)) await once(gzip, 'drain');
    if (++count % 1_000 === 0) await setImmediate();
  }
  gzip.end();
  await ended;
  return Buffer.concat(chunks);
}
