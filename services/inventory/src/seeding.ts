/**
 * Inventory's bulk load, for `mercato seed` and the demo store of a first start (ADR 11, ADR 18):
 * stock rows by the thousand, straight into inventory's database. Exported as
 * `@mercato/inventory/seeding`, so the seeder never writes inventory's tables itself.
 *
 * It is not in `store.ts`: the store's writes take the caller's transaction and may publish events;
 * a seed only makes sure stock exists, in one statement per batch.
 */
import { connectDatabase, type Database, type Kysely, migrate, sql } from '@mercato/kit';

/** Inventory's own migrations, the ones the service runs at start. */
const MIGRATIONS = new URL('./migrations/', import.meta.url);

/**
 * Opens inventory's database for a seed and runs `work` with it. Two connections: a seed writes one
 * batch of stock at a time (while the catalog takes the next ones). Closes them when `work` settles.
 */
export async function withInventorySeeding<T>(databaseUrl: string, work: (seeding: InventorySeeding) => Promise<T>): Promise<T> {
  const database = connectDatabase<unknown>(databaseUrl, { max: 2, applicationName: 'mercato-seed' });
  try {
    return await work(new InventorySeeding(database));
  } finally {
    await database.close();
  }
}

export class InventorySeeding {
  readonly #db: Kysely<unknown>;
  constructor(database: Database<unknown>) {
    this.#db = database.db;
  }

  /** Inventory's migrations (the same migrator and advisory lock the service uses): a seed may come before the service ever started. */
  async prepare(): Promise<void> {
    await migrate(this.#db, MIGRATIONS);
  }

  /** Stock for SKUs that have none; a SKU that has stock already keeps it (an admin may have changed it). Returns the rows made. */
  async writeStock(items: readonly { sku: string; onHand: number }[]): Promise<number> {
    if (items.length === 0) return 0;
    const result = await sql`
      insert into stock (sku, on_hand) select * from unnest(${items.map((i) => i.sku)}::text[], ${items.map((i) => i.onHand)}::int[])
      on conflict (sku) do nothing`.execute(this.#db);
    return Number(result.numAffectedRows ?? 0n);
  }

  /** Fresh statistics after a bulk load, so the planner knows how many rows the table has. */
  async analyze(): Promise<void> {
    await sql`vacuum (analyze) stock`.execute(this.#db);
  }
}
