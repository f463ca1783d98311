import { DEMO_PRODUCT_COUNT, DEMO_SEED } from '@mercato/demo-data';
import { UserError } from '../user-error.ts';
import { type SeedResult, seedStore } from './seed-store.ts';

export type SeedMode = 'demo' | 'none';

/** `MERCATO_SEED`: `demo` (the default) or `none`; anything else stops the start with one line. */
export function seedModeOf(env: NodeJS.ProcessEnv): SeedMode {
  const mode = env.MERCATO_SEED || 'demo';
  if (mode !== 'demo' && mode !== 'none') throw new UserError(`MERCATO_SEED must be demo or none (got ${JSON.stringify(mode)}).`);
  return mode;
}

/**
 * The demo store (240 products, 12 categories) in one catalog transaction, unless the store was seeded
 * before or has ever had a product: an admin who archived everything keeps an empty shop. The marker is
 * the `mercato_seed` table in the catalog's database, so it travels with the data, also on an external
 * DATABASE_URL, and a new data directory in front of old databases does not seed them again.
 */
export async function seedDemoStoreOnFirstStart(options: {
  catalogDatabaseUrl: string;
  inventoryDatabaseUrl: string;
  currency: string;
}): Promise<SeedResult> {
  return seedStore({ ...options, products: DEMO_PRODUCT_COUNT, seed: DEMO_SEED, batchSize: DEMO_PRODUCT_COUNT, onlyIfFirst: true });
}

/**
 * What `mercato up` does once the services have made their tables: with MERCATO_SEED=demo, the demo
 * store on a first start. A failure leaves an empty shop running and says how to seed it later.
 */
export async function seedOnFirstStart(
  mode: SeedMode,
  env: NodeJS.ProcessEnv,
  databaseUrls: ReadonlyMap<string, string>,
  say: (line: string) => void,
): Promise<SeedResult | undefined> {
  if (mode === 'none') return undefined;
  const catalogDatabaseUrl = databaseUrls.get('catalog') ?? env.CATALOG_DATABASE_URL;
  const inventoryDatabaseUrl = databaseUrls.get('inventory') ?? env.INVENTORY_DATABASE_URL;
  if (!catalogDatabaseUrl || !inventoryDatabaseUrl) return undefined;
  try {
    const result = await seedDemoStoreOnFirstStart({ catalogDatabaseUrl, inventoryDatabaseUrl, currency: env.MERCATO_CURRENCY || 'USD' });
    if (result.seeded) {
      say(
        `first start: seeded a demo store of ${result.products} products in ${result.categories} categories, each with stock, ` +
          `in ${result.seconds.toFixed(1)} s (MERCATO_SEED=none starts empty)`,
      );
    }
    return result;
  } catch (error) {
    say(`the demo store was not seeded (${(error as Error).message}); 'npm run mercato -- seed' loads it later`);
    return undefined;
  }
}
