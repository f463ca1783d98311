import { parseArgs } from 'node:util';
import { startCeiling } from '../lib/ceiling.ts';
import { positiveInteger, ratio } from '../lib/measure-targets.ts';
import { type MixEntry, type MixFigures, runMix } from '../lib/mix.ts';
import { withPlatform } from '../lib/platform.ts';
import { RequestCpu } from '../lib/request-cpu.ts';
import type { Scenario, Table } from '../lib/scenario.ts';
import { seedLargeCatalog } from '../lib/seed.ts';
import { GENEROUS_RATE_LIMITS, json, registerShoppers } from '../lib/shoppers.ts';
import { tracingSettings } from '../lib/tracing-settings.ts';

interface Shopper {
  token: string;
  /** The few SKUs this shopper adds: lines grow in quantity, not in number, so the 100-line cap is never hit. */
  skus: string[];
}

interface Store {
  slugs: string[];
  skus: string[];
  categories: string[];
  words: string[];
}

/** Online Boutique's load generator, on our API: home 1, search 2, product page 10, add to cart 2, view cart 3. */
function shopperMix(store: Store): MixEntry<Shopper>[] {
  return [
    {
      name: 'list (home)',
      weight: 1,
      request: (_u, pick) => ({ method: 'GET', path: `/api/products?category=${pick(store.categories)}&limit=20` }),
    },
    {
      name: 'search',
      weight: 2,
      request: (_u, pick) => ({ method: 'GET', path: `/api/products?q=${encodeURIComponent(pick(store.words))}&limit=20` }),
    },
    { name: 'product page', weight: 10, request: (_u, pick) => ({ method: 'GET', path: `/api/storefront/products/${pick(store.slugs)}` }) },
    {
      name: 'add to cart',
      weight: 2,
      request: (u, pick) => ({ method: 'POST', path: '/api/cart/items', body: { sku: pick(u.skus), quantity: 1 } }),
    },
    { name: 'view cart', weight: 3, request: () => ({ method: 'GET', path: '/api/cart' }) },
  ];
}

/** What the mix picks from: a sample of the store's products, its categories, and words of product names to search for. */
async function sampleStore(gatewayUrl: string, pages: number): Promise<Store> {
  const { items: categories } = await json<{ items: { slug: string }[] }>(`${gatewayUrl}/api/categories`);
  const products: { slug: string; sku: string; name: string }[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < pages; page++) {
    const answer: { items: { slug: string; sku: string; name: string }[]; nextCursor: string | null } = await json(
      `${gatewayUrl}/api/products?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
    );
    products.push(...answer.items);
    cursor = answer.nextCursor;
    if (!cursor) break;
  }
  if (products.length === 0) throw new Error('the store has no products: was it seeded?');
  const words = [...new Set(products.flatMap((p) => p.name.toLowerCase().split(/\s+/)).filter((w) => w.length >= 4))];
  return { slugs: products.map((p) => p.slug), skus: products.map((p) => p.sku), categories: categories.map((c) => c.slug), words };
}

async function runPhase(
  label: string,
  gatewayUrl: string,
  tokens: string[],
  options: { seconds: number; warmUpSeconds: number; window: RequestCpu },
  progress: (line: string) => void,
): Promise<MixFigures> {
  const store = await sampleStore(gatewayUrl, 10);
  const shoppers = tokens.map((token, i) => ({
    token,
    skus: Array.from({ length: 10 }, (_, j) => store.skus[(i * 10 + j) % store.skus.length] as string),
  }));
  // Every phase starts from empty carts.
  await Promise.all(tokens.map((token) => json(`${gatewayUrl}/api/cart`, { method: 'DELETE', token, expect: 204 })));
  progress(`${label}: ${tokens.length} shoppers, ${options.warmUpSeconds} s warm-up, ${options.seconds} s measured…`);
  const figures = await runMix(gatewayUrl, shoppers, shopperMix(store), options);
  return { ...figures, rows: figures.rows.map((row) => ({ catalog: label, ...row })) };
}

export const scenario: Scenario = {
  name: 'browse',
  description: 'a shopper mix through the gateway (OB weights) on the demo store and a 100k catalog, vs a bare Fastify ceiling',
  options:
    '[--duration 15] [--connections 50] [--products 100000] [--catalogs demo,large] [--tracing off,1,default] [--profile PROCESS:DIR]',
  async run(args, progress) {
    const { values } = parseArgs({
      args,
      options: {
        duration: { type: 'string', default: '15' },
        connections: { type: 'string', default: '50' },
        products: { type: 'string', default: '100000' },
        catalogs: { type: 'string', default: 'demo,large' },
        tracing: { type: 'string' },
        profile: { type: 'string' },
      },
    });
    const seconds = positiveInteger('duration', values.duration);
    const connections = positiveInteger('connections', values.connections);
    const products = positiveInteger('products', values.products);
    const catalogs = values.catalogs.split(',');
    const timing = { seconds, warmUpSeconds: 3 };
    const env = {
      ...GENEROUS_RATE_LIMITS,
      MERCATO_SEED: 'demo',
      ...(values.profile ? { MERCATO_CPU_PROFILE: values.profile } : {}),
    };

    progress('measuring the ceiling: a bare Fastify JSON route…');
    const ceiling = await startCeiling();
    let ceilingFigures: MixFigures;
    try {
      const users = Array.from({ length: connections }, () => ({}));
      ceilingFigures = await runMix(
        ceiling.url,
        users,
        [{ name: 'bare fastify', weight: 1, request: () => ({ method: 'GET', path: '/ceiling' }) }],
        timing,
      );
    } finally {
      await ceiling.stop();
    }

    // Issue 10: the cost of tracing, one platform per setting in one run (ratios against the first).
    const tracing = tracingSettings(values.tracing);
    if (tracing) {
      const rows: Record<string, string | number>[] = [];
      const tables: Table[] = [];
      const summary: Record<string, string | number> = { 'ceiling req/s': ceilingFigures.totalPerSecond };
      let baseline: { label: string; perSecond: number } | undefined;
      for (const setting of tracing) {
        await withPlatform({ ...env, ...setting.env }, progress, async (platform, where) => {
          const tokens = await registerShoppers(platform.gatewayUrl, connections);
          const window = new RequestCpu({ supervisorPid: platform.child.pid ?? 0, prefix: where.prefix });
          const label = `demo store, tracing ${setting.label}`;
          const figures = await runPhase(label, platform.gatewayUrl, tokens, { ...timing, window }, progress);
          tables.push({
            title: `${label}: CPU per request by process in the measured window`,
            rows: window.rows(figures.totalPerSecond * seconds),
          });
          rows.push(...figures.rows.map((row) => ({ tracing: setting.label, ...row })));
          summary[`tracing ${setting.label} req/s`] = figures.totalPerSecond;
          summary[`tracing ${setting.label} p99 ms`] = figures.p99Ms;
          baseline ??= { label: setting.label, perSecond: figures.totalPerSecond };
          if (baseline.label !== setting.label)
            summary[`tracing ${setting.label} / ${baseline.label} req/s`] = ratio(figures.totalPerSecond, baseline.perSecond);
        });
      }
      return { rows, summary, tables };
    }

    return withPlatform(env, progress, async (platform, where) => {
      const tokens = await registerShoppers(platform.gatewayUrl, connections);
      const scope = { supervisorPid: platform.child.pid ?? 0, prefix: where.prefix };
      const tables: Table[] = [];
      const phase = async (label: string) => {
        const window = new RequestCpu(scope);
        const figures = await runPhase(label, platform.gatewayUrl, tokens, { ...timing, window }, progress);
        const requests = figures.totalPerSecond * seconds;
        tables.push({ title: `${label}: CPU per request by process in the measured window`, rows: window.rows(requests) });
        return figures;
      };
      const rows: Record<string, string | number>[] = [];
      const summary: Record<string, string | number> = { 'ceiling req/s': ceilingFigures.totalPerSecond };
      const ceilingRow = ceilingFigures.rows[0];
      if (ceilingRow) rows.push({ catalog: '-', ...ceilingRow });
      if (catalogs.includes('demo')) {
        const demo = await phase('demo store');
        rows.push(...demo.rows);
        summary['demo mix req/s'] = demo.totalPerSecond;
        summary['demo mix p99 ms'] = demo.p99Ms;
        summary['demo mix / ceiling'] = ratio(demo.totalPerSecond, ceilingFigures.totalPerSecond);
      }
      if (catalogs.includes('large')) {
        progress(`seeding ${products} more products…`);
        const seeded = await seedLargeCatalog(where, products, progress);
        summary[`seed ${products} products s`] = seeded.seconds;
        const large = await phase(`${Math.round(products / 1000)}k catalog`);
        rows.push(...large.rows);
        summary['large mix req/s'] = large.totalPerSecond;
        summary['large mix p99 ms'] = large.p99Ms;
        summary['large mix / ceiling'] = ratio(large.totalPerSecond, ceilingFigures.totalPerSecond);
      }
      return { rows, summary, tables };
    });
  },
};
