import { fileURLToPath } from 'node:url';
import { DEMO_SEED, type DemoProduct, demoCategories, generateProducts, productImagePath, seedTag } from '@mercato/demo-data';
import { connectDatabase, type Database, migrate } from '@mercato/kit';
import type pg from 'pg';
import { UserError } from '../user-error.ts';

export interface SeedStoreOptions {
  /** The catalog's database (its own role's URL, or an admin URL acting as that role). */
  catalogDatabaseUrl: string;
  inventoryDatabaseUrl: string;
  /** How many products to generate; with the same seed, the first N of a larger run are those of a smaller one. */
  products: number;
  /** Same seed, same products. Default `demo`: the demo store `mercato up` loads on first start. */
  seed?: string;
  /** ISO 4217, the shop's `MERCATO_CURRENCY`. Default USD. */
  currency?: string;
  /** Products per statement and transaction. Default 2,000: round trips stop mattering well before that, and a batch stays a short transaction. */
  batchSize?: number;
  /** Called after every batch. */
  onProgress?: (progress: SeedProgress) => void;
  /**
   * Seed only a store that never had a product nor a seed (what `mercato up` does on its first start);
   * otherwise the result says `seeded: false` and nothing is written.
   */
  onlyIfFirst?: boolean;
}

export interface SeedProgress {
  /** Products generated and written so far (inserted or already there). */
  done: number;
  total: number;
  seconds: number;
}

export interface SeedResult {
  /** False when `onlyIfFirst` found a store that was seeded or used before. */
  seeded: boolean;
  /** Products inserted (each with a stock row). */
  products: number;
  /** Generated products already in the catalog (same id or SKU: the same seed ran before); their stock is made sure of. */
  skipped: number;
  /** Slugs another product already had, written with the seed's tag appended. */
  renamed: number;
  categories: number;
  /** Stock rows inserted. */
  stock: number;
  seconds: number;
}

/** The services' own migration folders: a seed can run before the service ever started (an external database). */
const migrationsOf = (service: string) => fileURLToPath(new URL(`../../../../services/${service}/src/migrations/`, import.meta.url));

/**
 * Catalog batches written at once, each on its own connection: PostgreSQL builds tsvectors and index
 * entries on one core per connection. Two, for the 2-core machines this was measured on (ADR 11).
 */
const PARALLEL_BATCHES = 2;

/** A constant both the seeder and `mercato up` lock on, so two seeds of one catalog never interleave. */
const SEED_LOCK = 0x5eed_0001;

/**
 * Writes generated products straight into the catalog's database and their stock into inventory's, in
 * batches of multi-row inserts (`unnest` of arrays: one statement and one round trip per batch), one
 * transaction per batch and database. It bypasses the services' HTTP API, so no
 * `catalog.product.created` events are published (ADR 11 says why that is acceptable). Running it again
 * with the same seed adds nothing twice: a product whose id or SKU exists is skipped, but its stock is
 * still made sure of.
 */
export async function seedStore(options: SeedStoreOptions): Promise<SeedResult> {
  const startedAt = performance.now();
  const seed = options.seed ?? DEMO_SEED;
  const currency = options.currency ?? 'USD';
  const batchSize = options.batchSize ?? 2_000;
  if (!Number.isInteger(options.products) || options.products < 1)
    throw new UserError('The number of products must be a whole number ≥ 1.');
  if (!/^[A-Z]{3}$/.test(currency))
    throw new UserError(`MERCATO_CURRENCY must be three capital letters such as USD (got ${JSON.stringify(currency)}).`);

  const catalog = connectDatabase(options.catalogDatabaseUrl, { max: PARALLEL_BATCHES + 1, applicationName: 'mercato-seed' });
  const inventory = connectDatabase(options.inventoryDatabaseUrl, { max: 2, applicationName: 'mercato-seed' });
  const result: SeedResult = { seeded: false, products: 0, skipped: 0, renamed: 0, categories: 0, stock: 0, seconds: 0 };
  let lock: pg.PoolClient | undefined;
  try {
    lock = await catalog.pool.connect();
    await lock.query('select pg_advisory_lock($1)', [SEED_LOCK]);
    await ensureSchema(catalog, 'catalog');
    await ensureSchema(inventory, 'inventory');
    await lock.query(`create table if not exists mercato_seed (
      id bigint generated always as identity primary key,
      seed text not null,
      products integer not null,
      seeded_at timestamptz not null default now())`);
    if (options.onlyIfFirst && (await usedBefore(lock))) return finish(result, startedAt);

    const tag = seedTag(seed).toLowerCase();
    const seededAt = Date.now();
    result.categories = await writeCategories(catalog);
    const products = generateProducts({ seed, count: options.products, currency });
    let stockWrite: Promise<number> = Promise.resolve(0);
    let done = 0;
    const inFlight: Promise<void>[] = [];
    for (let batch = take(products, batchSize); batch.length > 0; batch = take(products, batchSize)) {
      const current = batch;
      const job = writeCatalogBatch(catalog, current, { currency, seededAt, tag }).then((outcome) => {
        result.products += outcome.inserted;
        result.skipped += current.length - outcome.inserted;
        result.renamed += outcome.renamed;
        // Stock of a batch is written while the catalog takes the next ones (another database, another connection).
        stockWrite = stockWrite.then(async (count) => count + (await writeStock(inventory, current, outcome.listedSkus)));
        // Awaited after the loop; until then a failure must not count as unhandled if a catalog batch fails first.
        stockWrite.catch(() => undefined);
        done += current.length;
        options.onProgress?.({ done, total: options.products, seconds: secondsSince(startedAt) });
      });
      job.catch(() => undefined);
      inFlight.push(job);
      // Generating the next batch is this process's work while PostgreSQL writes the ones in flight.
      if (inFlight.length >= PARALLEL_BATCHES) await inFlight.shift();
    }
    await Promise.all(inFlight);
    result.stock = await stockWrite;
    await catalog.pool.query('insert into mercato_seed (seed, products) values ($1, $2)', [seed, options.products]);
    // Fresh statistics, or the planner takes a 100,000-row table for the handful it had and reads it all for a
    // search; and a visibility map, so counting a category's products reads only the index.
    if (result.products > 0) await catalog.pool.query('vacuum (analyze) products');
    if (result.stock > 0) await inventory.pool.query('vacuum (analyze) stock');
    result.seeded = true;
    return finish(result, startedAt);
  } finally {
    if (lock) {
      await lock.query('select pg_advisory_unlock($1)', [SEED_LOCK]).catch(() => undefined);
      lock.release();
    }
    await catalog.close();
    await inventory.close();
  }
}

async function ensureSchema(database: Database<unknown>, service: 'catalog' | 'inventory'): Promise<void> {
  try {
    await migrate(database.db, migrationsOf(service));
  } catch (error) {
    throw new UserError(`Could not prepare the ${service} database for seeding: ${(error as Error).message}`);
  }
}

/** A store that was seeded, or that has (or had: archived rows stay) any product, is not seeded again on start. */
async function usedBefore(client: pg.PoolClient): Promise<boolean> {
  const { rows } = await client.query<{ used: boolean }>(
    'select exists (select 1 from products) or exists (select 1 from mercato_seed) as used',
  );
  return rows[0]?.used ?? true;
}

interface BatchOutcome {
  inserted: number;
  renamed: number;
  /** The batch's SKUs that the catalog lists now (inserted, or there from an earlier run of this seed). */
  listedSkus: Set<string>;
}

async function writeCategories(database: Database<unknown>): Promise<number> {
  const list = demoCategories();
  const { rowCount } = await database.pool.query(
    'insert into categories (slug, name) select * from unnest($1::text[], $2::text[]) on conflict (slug) do nothing',
    [list.map((c) => c.slug), list.map((c) => c.name)],
  );
  return rowCount ?? 0;
}

async function writeCatalogBatch(
  database: Database<unknown>,
  products: DemoProduct[],
  options: { currency: string; seededAt: number; tag: string },
): Promise<BatchOutcome> {
  const client = await database.pool.connect();
  try {
    await client.query('begin');
    // A crash loses at most the last batches, which running the seed again writes (it is idempotent); not
    // waiting for each commit's WAL flush lets the next batch start sooner.
    await client.query('set local synchronous_commit = off');
    // A slug a listed product (an admin's, or another seed's) already has gets this seed's tag appended.
    const { rows: clashes } = await client.query<{ slug: string }>(
      'select slug from products where slug = any($1::text[]) and archived_at is null',
      [products.map((p) => p.slug)],
    );
    const clashing = new Set(clashes.map((r) => r.slug));
    const slugs = products.map((p) => (clashing.has(p.slug) ? `${p.slug}-${options.tag}` : p.slug));
    const inserted = await client.query<{ sku: string }>(
      `insert into products (id, slug, name, description, category, price_amount, currency, sku, images, attributes, created_at, updated_at)
       select id, slug, name, description, category, price_amount, $7, sku, array[image], attributes::jsonb, created_at, created_at
       from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $8::text[], $9::text[], $10::text[], $11::timestamptz[])
         as t (id, slug, name, description, category, price_amount, sku, image, attributes, created_at)
       on conflict do nothing
       returning sku`,
      [
        products.map((p) => p.id),
        slugs,
        products.map((p) => p.name),
        products.map((p) => p.description),
        products.map((p) => p.category),
        products.map((p) => p.price.amount),
        options.currency,
        products.map((p) => p.sku),
        slugs.map((slug) => productImagePath(slug)),
        products.map((p) => JSON.stringify(p.attributes)),
        products.map((p) => new Date(options.seededAt - p.ageMs).toISOString()),
      ],
    );
    const listedSkus = new Set(inserted.rows.map((r) => r.sku));
    if (listedSkus.size < products.length) {
      const { rows } = await client.query<{ sku: string }>('select sku from products where sku = any($1::text[]) and archived_at is null', [
        products.map((p) => p.sku),
      ]);
      for (const row of rows) listedSkus.add(row.sku);
    }
    await client.query('commit');
    const insertedSkus = new Set(inserted.rows.map((r) => r.sku));
    const renamed = products.filter((p, i) => slugs[i] !== p.slug && insertedSkus.has(p.sku)).length;
    return { inserted: inserted.rowCount ?? 0, renamed, listedSkus };
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Stock for the batch's listed SKUs; a SKU that has stock already keeps it (an admin may have changed it). */
async function writeStock(database: Database<unknown>, products: DemoProduct[], listedSkus: Set<string>): Promise<number> {
  const stocked = products.filter((p) => listedSkus.has(p.sku));
  if (stocked.length === 0) return 0;
  const { rowCount } = await database.pool.query(
    'insert into stock (sku, on_hand) select * from unnest($1::text[], $2::int[]) on conflict (sku) do nothing',
    [stocked.map((p) => p.sku), stocked.map((p) => p.onHand)],
  );
  return rowCount ?? 0;
}

function take<T>(iterator: Iterator<T>, n: number): T[] {
  const out: T[] = [];
  while (out.length < n) {
    const next = iterator.next();
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

function secondsSince(start: number): number {
  return Math.round((performance.now() - start) / 100) / 10;
}

function finish(result: SeedResult, startedAt: number): SeedResult {
  result.seconds = secondsSince(startedAt);
  return result;
}
