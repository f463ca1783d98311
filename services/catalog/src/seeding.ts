/**
 * The catalog's bulk load, for `mercato seed` and the demo store of a first start (ADR 11, ADR 18):
 * products written by the thousand with multi-row inserts, straight into the catalog's database.
 * Exported as `@mercato/catalog/seeding`, so the seeder never writes the catalog's tables itself.
 *
 * It is not in `store.ts` on purpose: the store's writes are the admin's, one product at a time with
 * its event in the outbox; a seed publishes no `catalog.product.created` events (ADR 11 says why).
 */
import { connectDatabase, type Database, type Kysely, migrate, sql } from '@mercato/kit';
import type { NewProduct } from './store.ts';

/**
 * A product as a seed brings it: as an admin creates one, in the shop's currency, with the picture
 * the catalog draws for its slug, and its creation time (the newest-first order of a demo store).
 */
export type SeedProduct = Omit<NewProduct, 'currency' | 'images'> & { createdAt: Date };

export interface SeedBatchOutcome {
  /** Products inserted; the others were there already (same id or SKU: the same seed ran before). */
  inserted: number;
  /** Inserted products whose slug a listed product already had, written with the tag appended. */
  renamed: number;
  /** The batch's SKUs that the catalog lists now (inserted, or there from an earlier run of this seed). */
  listedSkus: Set<string>;
}

/** A constant every seed of a catalog locks on, so two seeds of one catalog never interleave. */
const SEED_LOCK = 0x5eed_0001;

/** The catalog's own migrations, the ones the service runs at start. */
const MIGRATIONS = new URL('./migrations/', import.meta.url);

/** Where the catalog serves the picture it draws for a product (`GET /media/products/{slug}.svg`). */
const pictureOf = (slug: string) => `/media/products/${slug}.svg`;

/**
 * Opens the catalog's database for a seed and runs `work` while holding the seed lock (a session
 * advisory lock on a connection of its own); `writeProducts` may then be called `parallelWrites`
 * times at once, each on its own connection. Closes everything when `work` settles.
 */
export async function withCatalogSeeding<T>(
  databaseUrl: string,
  options: { parallelWrites: number },
  work: (seeding: CatalogSeeding) => Promise<T>,
): Promise<T> {
  const database = connectDatabase<unknown>(databaseUrl, { max: options.parallelWrites + 1, applicationName: 'mercato-seed' });
  try {
    return await database.db.connection().execute(async (lock) => {
      await sql`select pg_advisory_lock(${SEED_LOCK})`.execute(lock);
      try {
        return await work(new CatalogSeeding(database));
      } finally {
        await sql`select pg_advisory_unlock(${SEED_LOCK})`.execute(lock).catch(() => undefined);
      }
    });
  } finally {
    await database.close();
  }
}

export class CatalogSeeding {
  readonly #db: Kysely<unknown>;
  constructor(database: Database<unknown>) {
    this.#db = database.db;
  }

  /**
   * The catalog's migrations (the same migrator and advisory lock the service uses: a seed may come
   * before the service ever started, on an external database), and the `mercato_seed` marker table.
   */
  async prepare(): Promise<void> {
    await migrate(this.#db, MIGRATIONS);
    await sql`create table if not exists mercato_seed (
      id bigint generated always as identity primary key,
      seed text not null,
      products integer not null,
      seeded_at timestamptz not null default now())`.execute(this.#db);
  }

  /** A catalog that was seeded, or that has (or had: archived rows stay) any product. */
  async usedBefore(): Promise<boolean> {
    const { rows } = await sql<{ used: boolean }>`
      select exists (select 1 from products) or exists (select 1 from mercato_seed) as used`.execute(this.#db);
    return rows[0]?.used ?? true;
  }

  /** Makes the categories that are missing; an existing one keeps its name. Returns how many were made. */
  async writeCategories(categories: readonly { slug: string; name: string }[]): Promise<number> {
    const result = await sql`
      insert into categories (slug, name) select * from unnest(${categories.map((c) => c.slug)}::text[], ${categories.map((c) => c.name)}::text[])
      on conflict (slug) do nothing`.execute(this.#db);
    return Number(result.numAffectedRows ?? 0n);
  }

  /**
   * One statement and one transaction for the batch (`unnest` of arrays: one round trip). A product
   * whose id or SKU exists is skipped; a slug a listed product (an admin's, another seed's) already
   * has gets `slugTag` appended.
   */
  async writeProducts(products: readonly SeedProduct[], options: { currency: string; slugTag: string }): Promise<SeedBatchOutcome> {
    return this.#db.transaction().execute(async (tx) => {
      // A crash loses at most the last batches, which running the seed again writes (it is idempotent); not
      // waiting for each commit's WAL flush lets the next batch start sooner.
      await sql`set local synchronous_commit = off`.execute(tx);
      const { rows: clashes } = await sql<{ slug: string }>`
        select slug from products where slug = any(${products.map((p) => p.slug)}::text[]) and archived_at is null`.execute(tx);
      const clashing = new Set(clashes.map((r) => r.slug));
      const slugs = products.map((p) => (clashing.has(p.slug) ? `${p.slug}-${options.slugTag}` : p.slug));
      const { rows: inserted } = await sql<{ sku: string }>`
        insert into products (id, slug, name, description, category, price_amount, currency, sku, images, attributes, created_at, updated_at)
        select id, slug, name, description, category, price_amount, ${options.currency}, sku, array[image], attributes::jsonb, created_at, created_at
        from unnest(${products.map((p) => p.id)}::uuid[], ${slugs}::text[], ${products.map((p) => p.name)}::text[],
            ${products.map((p) => p.description)}::text[], ${products.map((p) => p.category)}::text[],
            ${products.map((p) => p.priceAmount)}::bigint[], ${products.map((p) => p.sku)}::text[], ${slugs.map(pictureOf)}::text[],
            ${products.map((p) => JSON.stringify(p.attributes))}::text[], ${products.map((p) => p.createdAt.toISOString())}::timestamptz[])
          as t (id, slug, name, description, category, price_amount, sku, image, attributes, created_at)
        on conflict do nothing
        returning sku`.execute(tx);
      const insertedSkus = new Set(inserted.map((r) => r.sku));
      const listedSkus = new Set(insertedSkus);
      if (listedSkus.size < products.length) {
        const { rows } = await sql<{ sku: string }>`
          select sku from products where sku = any(${products.map((p) => p.sku)}::text[]) and archived_at is null`.execute(tx);
        for (const row of rows) listedSkus.add(row.sku);
      }
      const renamed = products.filter((p, i) => slugs[i] !== p.slug && insertedSkus.has(p.sku)).length;
      return { inserted: inserted.length, renamed, listedSkus };
    });
  }

  /** Remembers the seed, so a first start does not load the demo store into this catalog again. */
  async recordSeed(seed: string, products: number): Promise<void> {
    await sql`insert into mercato_seed (seed, products) values (${seed}, ${products})`.execute(this.#db);
  }

  /**
   * Fresh statistics, or the planner takes a 100,000-row table for the handful it had and reads it all
   * for a search; and a visibility map, so counting a category's products reads only the index.
   */
  async analyze(): Promise<void> {
    await sql`vacuum (analyze) products`.execute(this.#db);
  }
}
