/**
 * The first-start seed as a process of its own (see seed-on-first-start.ts): the catalog's and
 * inventory's seeding code, and the kit under it, load here and leave with it, so `mercato up`
 * never holds them. Reads CATALOG_DATABASE_URL, INVENTORY_DATABASE_URL and MERCATO_CURRENCY; writes
 * the SeedResult as one JSON line; a failure is one line on stderr and exit code 1.
 */
import { seedDemoStoreOnFirstStart } from './first-start.ts';

const { CATALOG_DATABASE_URL: catalogDatabaseUrl, INVENTORY_DATABASE_URL: inventoryDatabaseUrl } = process.env;
try {
  if (!catalogDatabaseUrl || !inventoryDatabaseUrl) throw new Error('CATALOG_DATABASE_URL and INVENTORY_DATABASE_URL are needed');
  const result = await seedDemoStoreOnFirstStart({
    catalogDatabaseUrl,
    inventoryDatabaseUrl,
    currency: process.env.MERCATO_CURRENCY || 'USD',
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 1;
}
