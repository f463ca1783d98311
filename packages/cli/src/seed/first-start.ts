import { DEMO_PRODUCT_COUNT, DEMO_SEED } from '@mercato/demo-data';
import { type SeedResult, seedStore } from './seed-store.ts';

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
