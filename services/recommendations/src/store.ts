import { gunzipSync, gzipSync } from 'node:zlib';
import { type AnySchema, type Kysely, sql, type Transaction } from '@mercato/kit';
import type { ItemModelSnapshot } from './domain/item-model.ts';
import type { ModelChange, Position } from './domain/model-change.ts';

/** A snapshot as stored: the model and the position in `model_changes` it includes everything up to. */
export interface StoredSnapshot {
  position: Position;
  model: ItemModelSnapshot;
}

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

  async latestSnapshot(): Promise<StoredSnapshot | undefined> {
    const { rows } = await sql<{ tx: string; seq: string; model: Buffer }>`
      select position_tx::text as tx, position_seq::text as seq, model from model_snapshots order by id desc limit 1`.execute(this.#db);
    const row = rows[0];
    if (!row) return undefined;
    return { position: { tx: row.tx, seq: row.seq }, model: JSON.parse(gunzipSync(row.model).toString('utf8')) };
  }

  /**
   * Keeps a snapshot unless another instance is writing one or a newer one is there already; then
   * drops older snapshots and the changes every kept snapshot includes that are older than
   * `keepChangesFor` (an instance that lags longer loads the snapshot again).
   */
  async saveSnapshot(snapshot: StoredSnapshot, keepChangesFor: string): Promise<boolean> {
    const data = gzipSync(JSON.stringify(snapshot.model));
    return this.#db.transaction().execute(async (tx) => {
      const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${SNAPSHOT_LOCK}) as locked`.execute(tx);
      if (!rows[0]?.locked) return false;
      const { rows: newer } = await sql`
        select 1 from model_snapshots
        where (position_tx, position_seq) >= (${snapshot.position.tx}::xid8, ${snapshot.position.seq}::bigint) limit 1`.execute(tx);
      if (newer.length > 0) return false;
      await sql`insert into model_snapshots (position_tx, position_seq, model)
                values (${snapshot.position.tx}::xid8, ${snapshot.position.seq}::bigint, ${data})`.execute(tx);
      await sql`delete from model_snapshots where id < (select max(id) from model_snapshots)`.execute(tx);
      await sql`delete from model_changes
                where (tx, seq) <= (${snapshot.position.tx}::xid8, ${snapshot.position.seq}::bigint)
                  and recorded_at < now() - ${keepChangesFor}::interval`.execute(tx);
      return true;
    });
  }
}
