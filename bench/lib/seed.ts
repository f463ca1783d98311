import { seedStore, seedTargets } from '@mercato/cli';

/** Loads `products` more products (and their stock) straight into a running platform's catalog and inventory databases. */
export async function seedLargeCatalog(
  where: { dataDir: string; prefix: string },
  products: number,
  progress: (line: string) => void,
): Promise<{ seconds: number; products: number }> {
  const targets = await seedTargets({
    MERCATO_DATA_DIR: where.dataDir,
    MERCATO_DB_PREFIX: where.prefix,
    DATABASE_URL: process.env.DATABASE_URL ?? '',
  });
  try {
    let reported = 0;
    const result = await seedStore({
      catalogDatabaseUrl: targets.catalogDatabaseUrl,
      inventoryDatabaseUrl: targets.inventoryDatabaseUrl,
      products,
      seed: 'bench',
      onProgress: (p) => {
        if (p.done - reported >= products / 5 || p.done === p.total) {
          reported = p.done;
          progress(`seeded ${p.done}/${p.total}`);
        }
      },
    });
    return { seconds: result.seconds, products: result.products };
  } finally {
    await targets.release();
  }
}
