import { type CatalogSeeding, type SeedProduct, withCatalogSeeding } from '@mercato/catalog/seeding';
import { DEMO_SEED, type DemoProduct, demoCategories, generateProducts, seedTag } from '@mercato/demo-data';
import { type InventorySeeding, withInventorySeeding } from '@mercato/inventory/seeding';
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

/**
 * Catalog batches written at once, each on its own connection: PostgreSQL builds tsvectors and index
 * entries on one core per connection. Two, for the 2-core machines this was measured on (ADR 11).
 */
const PARALLEL_BATCHES = 2;

/**
 * Generated products into the catalog and their stock into inventory, each through the service's own
 * seeding module (ADR 18), in batches: one statement and one transaction per batch and database. It
 * bypasses the services' HTTP API, so no `catalog.product.created` events are published (ADR 11 says
 * why that is acceptable). Running it again with the same seed adds nothing twice: a product whose id
 * or SKU exists is skipped, but its stock is still made sure of. Two seeds of one catalog take turns.
 */
export async function seedStore(options: SeedStoreOptions): Promise<SeedResult> {
  const startedAt = performance.now();
  const currency = options.currency ?? 'USD';
  if (!Number.isInteger(options.products) || options.products < 1)
    throw new UserError('The number of products must be a whole number ≥ 1.');
  if (!/^[A-Z]{3}$/.test(currency))
    throw new UserError(`MERCATO_CURRENCY must be three capital letters such as USD (got ${JSON.stringify(currency)}).`);
  return withCatalogSeeding(options.catalogDatabaseUrl, { parallelWrites: PARALLEL_BATCHES }, (catalog) =>
    withInventorySeeding(options.inventoryDatabaseUrl, (inventory) => load(catalog, inventory, { ...options, currency }, startedAt)),
  );
}

async function load(
  catalog: CatalogSeeding,
  inventory: InventorySeeding,
  options: SeedStoreOptions & { currency: string },
  startedAt: number,
): Promise<SeedResult> {
  const seed = options.seed ?? DEMO_SEED;
  const { currency } = options;
  const batchSize = options.batchSize ?? 2_000;
  const result: SeedResult = { seeded: false, products: 0, skipped: 0, renamed: 0, categories: 0, stock: 0, seconds: 0 };
  await prepare(catalog, 'catalog');
  await prepare(inventory, 'inventory');
  if (options.onlyIfFirst && (await catalog.usedBefore())) return finish(result, startedAt);

  const slugTag = seedTag(seed).toLowerCase();
  const seededAt = Date.now();
  result.categories = await catalog.writeCategories(demoCategories());
  const products = generateProducts({ seed, count: options.products, currency });
  let stockWrite: Promise<number> = Promise.resolve(0);
  let done = 0;
  const inFlight: Promise<void>[] = [];
  for (let batch = take(products, batchSize); batch.length > 0; batch = take(products, batchSize)) {
    const current = batch;
    const rows = current.map((p) => asCatalogProduct(p, seededAt));
    const job = catalog.writeProducts(rows, { currency, slugTag }).then((outcome) => {
      result.products += outcome.inserted;
      result.skipped += current.length - outcome.inserted;
      result.renamed += outcome.renamed;
      // Stock of a batch is written while the catalog takes the next ones (another database, another
      // connection), for those of its SKUs the catalog lists: never a stock row for a product that is not there.
      const stocked = current.filter((p) => outcome.listedSkus.has(p.sku)).map((p) => ({ sku: p.sku, onHand: p.onHand }));
      stockWrite = stockWrite.then(async (count) => count + (await inventory.writeStock(stocked)));
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
  await catalog.recordSeed(seed, options.products);
  if (result.products > 0) await catalog.analyze();
  if (result.stock > 0) await inventory.analyze();
  result.seeded = true;
  return finish(result, startedAt);
}

async function prepare(seeding: CatalogSeeding | InventorySeeding, service: 'catalog' | 'inventory'): Promise<void> {
  try {
    await seeding.prepare();
  } catch (error) {
    throw new UserError(`Could not prepare the ${service} database for seeding: ${(error as Error).message}`);
  }
}

/** Products look created over the months before the seeding, so `sort=newest` has a believable order. */
function asCatalogProduct(p: DemoProduct, seededAt: number): SeedProduct {
  return {
    id: p.id,
    slug: p.slug,
    name: p.name,
    description: p.description,
    category: p.category,
    priceAmount: p.price.amount,
    sku: p.sku,
    attributes: p.attributes,
    createdAt: new Date(seededAt - p.ageMs),
  };
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
