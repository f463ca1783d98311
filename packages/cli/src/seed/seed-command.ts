import { DEMO_PRODUCT_COUNT, DEMO_SEED } from '@mercato/demo-data';
import { UserError } from '../user-error.ts';
import { seedStore } from './seed-store.ts';
import { seedTargets } from './seed-targets.ts';

/** The most `mercato seed` loads at once: far beyond any benchmark, still minutes, not hours. */
const MAX_PRODUCTS = 10_000_000;

/**
 * `mercato seed [--products N] [--seed S]`: generated products, each with stock, straight into the
 * catalog's and inventory's databases (see seedStore). Without options: the demo store, which a
 * running shop then has again (products it already has are skipped).
 */
export async function seedCommand(values: { products?: string; seed?: string }, env: NodeJS.ProcessEnv): Promise<number> {
  const products = values.products === undefined ? DEMO_PRODUCT_COUNT : Number(values.products.replace(/[_,]/g, ''));
  if (!Number.isInteger(products) || products < 1 || products > MAX_PRODUCTS) {
    throw new UserError(`--products takes a whole number from 1 to ${MAX_PRODUCTS.toLocaleString('en')} (got ${values.products}).`);
  }
  const seed = values.seed ?? DEMO_SEED;
  if (seed.length === 0 || seed.length > 100) throw new UserError('--seed takes 1 to 100 characters.');
  const currency = env.MERCATO_CURRENCY || 'USD';
  const say = (line: string) => process.stdout.write(`${line}\n`);

  const targets = await seedTargets(env, say);
  try {
    say(`seeding ${products.toLocaleString('en')} products (seed ${JSON.stringify(seed)}, ${currency}) into ${targets.description}`);
    let lastReport = 0;
    const result = await seedStore({
      catalogDatabaseUrl: targets.catalogDatabaseUrl,
      inventoryDatabaseUrl: targets.inventoryDatabaseUrl,
      products,
      seed,
      currency,
      onProgress: ({ done, total, seconds }) => {
        if (done < total && seconds - lastReport < 1) return;
        lastReport = seconds;
        say(`  ${done.toLocaleString('en')} / ${total.toLocaleString('en')} products (${seconds.toFixed(1)} s)`);
      },
    });
    const rate = result.seconds > 0 ? Math.round(result.products / result.seconds).toLocaleString('en') : '-';
    say(
      `seeded ${result.products.toLocaleString('en')} products with ${result.stock.toLocaleString('en')} stock rows in ${result.seconds.toFixed(1)} s ` +
        `(${rate} products/s)` +
        (result.skipped > 0 ? `; ${result.skipped.toLocaleString('en')} were there already (same seed)` : '') +
        (result.renamed > 0 ? `; ${result.renamed.toLocaleString('en')} slugs taken by other products got the seed's tag` : ''),
    );
    say('listings and search show them within a second; no catalog.product.created events were published (ADR 11)');
    return 0;
  } finally {
    await targets.release();
  }
}
