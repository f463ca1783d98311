import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { catalogDefinition } from '@mercato/catalog';
import { DEMO_PRODUCT_COUNT } from '@mercato/demo-data';
import { createService, type Service } from '@mercato/kit';
import { createTestDatabase, createTestIssuer, injectJson, type TestDatabase, testServerUrl } from '@mercato/kit/testing';
import pg from 'pg';
import { dropServiceDatabases, provisionServiceDatabases, seedDemoStoreOnFirstStart, seedOnFirstStart, seedStore } from '../src/index.ts';

const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url));

interface Pair {
  catalog: TestDatabase;
  inventory: TestDatabase;
  urls: { catalogDatabaseUrl: string; inventoryDatabaseUrl: string };
  drop(): Promise<void>;
}

const pairs: Pair[] = [];
async function freshPair(label: string): Promise<Pair> {
  const catalog = await createTestDatabase(`${label}_catalog`);
  const inventory = await createTestDatabase(`${label}_inventory`);
  const pair = {
    catalog,
    inventory,
    urls: { catalogDatabaseUrl: catalog.url, inventoryDatabaseUrl: inventory.url },
    drop: async () => {
      await catalog.drop();
      await inventory.drop();
    },
  };
  pairs.push(pair);
  return pair;
}
after(() => Promise.all(pairs.map((p) => p.drop())));

async function query<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('seeding a fresh catalog and inventory database pair', () => {
  let pair: Pair;
  let catalog: Service;
  let gatewayToken: string;

  before(async () => {
    pair = await freshPair('seed');
    const result = await seedStore({ ...pair.urls, products: DEMO_PRODUCT_COUNT });
    assert.deepEqual(
      { seeded: result.seeded, products: result.products, stock: result.stock, categories: result.categories, skipped: result.skipped },
      { seeded: true, products: DEMO_PRODUCT_COUNT, stock: DEMO_PRODUCT_COUNT, categories: 12, skipped: 0 },
    );
    const issuer = await createTestIssuer();
    catalog = await createService(
      { ...catalogDefinition(), jwks: () => issuer.jwks },
      { LOG_LEVEL: 'silent', CATALOG_DATABASE_URL: pair.catalog.url },
    );
    await catalog.start();
    gatewayToken = await issuer.serviceToken('gateway', 'catalog');
  });
  after(() => catalog?.stop());

  it('gives every product a stock row in inventory', async () => {
    const skus = (await query<{ sku: string }>(pair.catalog.url, 'select sku from products order by sku')).map((r) => r.sku);
    const stock = await query<{ sku: string; on_hand: number }>(pair.inventory.url, 'select sku, on_hand from stock order by sku');
    assert.equal(skus.length, DEMO_PRODUCT_COUNT);
    assert.deepEqual(
      stock.map((r) => r.sku),
      skus,
    );
    assert.ok(stock.every((r) => r.on_hand > 5));
  });

  it('is found by the catalog: a misspelt search, the categories with their counts, a product picture', async () => {
    const search = await injectJson(catalog.app, 'GET', '/api/products?q=hedphones&limit=100', { token: gatewayToken });
    assert.equal(search.status, 200);
    const names: string[] = search.body?.items.map((p: { name: string }) => p.name);
    assert.ok(names.length >= 5, `found ${names.length}`);
    // Named headphones first; after them products that mention headphones (a microphone's headphone jack).
    assert.ok(
      names.slice(0, 5).every((n) => /headphones/i.test(n)),
      names.join(', '),
    );

    const categories = await injectJson(catalog.app, 'GET', '/api/categories', { token: gatewayToken });
    const items: { slug: string; productCount: number }[] = categories.body?.items;
    assert.ok(items.length >= 8);
    assert.equal(
      items.reduce((sum, c) => sum + c.productCount, 0),
      DEMO_PRODUCT_COUNT,
    );

    const product = search.body?.items[0] as { images: string[] };
    const image = await catalog.app.inject({
      method: 'GET',
      url: product.images[0] ?? '',
      headers: { authorization: `Bearer ${gatewayToken}` },
    });
    assert.equal(image.statusCode, 200);
    assert.match(String(image.headers['content-type']), /^image\/svg\+xml/);
  });

  it('adds nothing twice when the same seed runs again, and gives back stock that went missing', async () => {
    await query(pair.inventory.url, 'delete from stock where sku in (select sku from stock order by sku limit 3)');
    const again = await seedStore({ ...pair.urls, products: DEMO_PRODUCT_COUNT });
    assert.equal(again.products, 0);
    assert.equal(again.skipped, DEMO_PRODUCT_COUNT);
    assert.equal(again.stock, 3);
    const [{ n }] = (await query<{ n: number }>(pair.catalog.url, 'select count(*)::int as n from products')) as [{ n: number }];
    assert.equal(n, DEMO_PRODUCT_COUNT);
  });

  it('adds another seed’s products on top, giving a slug another product has the seed’s tag', async () => {
    const other = await seedStore({ ...pair.urls, products: DEMO_PRODUCT_COUNT, seed: 'other' });
    assert.equal(other.products, DEMO_PRODUCT_COUNT);
    assert.ok(other.renamed > 0, 'two seeds of the same word lists share a few names');
    const rows = await query<{ n: number; slugs: number }>(
      pair.catalog.url,
      'select count(*)::int as n, count(distinct slug)::int as slugs from products where archived_at is null',
    );
    assert.deepEqual(rows[0], { n: 2 * DEMO_PRODUCT_COUNT, slugs: 2 * DEMO_PRODUCT_COUNT });
    const stock = await query<{ n: number }>(pair.inventory.url, 'select count(*)::int as n from stock');
    assert.equal(stock[0]?.n, 2 * DEMO_PRODUCT_COUNT);
  });
});

describe('the demo store on a first start', () => {
  it('is seeded once: not on the next start, nor after an admin archived every product', async () => {
    const pair = await freshPair('first');
    const options = { ...pair.urls, currency: 'USD' };
    assert.equal((await seedDemoStoreOnFirstStart(options)).seeded, true);
    assert.equal((await seedDemoStoreOnFirstStart(options)).seeded, false);
    await query(pair.catalog.url, 'update products set archived_at = now()');
    assert.equal((await seedDemoStoreOnFirstStart(options)).seeded, false);
    await query(pair.catalog.url, 'delete from products');
    assert.equal((await seedDemoStoreOnFirstStart(options)).seeded, false, 'the seed marker remembers');
    const [{ n }] = (await query<{ n: number }>(pair.catalog.url, 'select count(*)::int as n from products')) as [{ n: number }];
    assert.equal(n, 0);
  });

  it('is not seeded with MERCATO_SEED=none: the databases are not even touched', async () => {
    const pair = await freshPair('none');
    const urls = new Map([
      ['catalog', pair.catalog.url],
      ['inventory', pair.inventory.url],
    ]);
    const lines: string[] = [];
    assert.equal(await seedOnFirstStart('none', {}, urls, (line) => lines.push(line)), undefined);
    assert.equal(lines.length, 0);
    const tables = await query<{ n: number }>(pair.catalog.url, "select count(*)::int as n from pg_tables where schemaname = 'public'");
    assert.equal(tables[0]?.n, 0);
    assert.equal((await seedOnFirstStart('demo', {}, urls, (line) => lines.push(line)))?.seeded, true);
    assert.match(lines[0] ?? '', /first start: seeded a demo store of 240 products in 12 categories/);
  });

  it('is not seeded into a store that already has products of its own', async () => {
    const pair = await freshPair('own');
    // A shop that started with MERCATO_SEED=none and whose admin added a product, then restarted with the default.
    await seedStore({ ...pair.urls, products: 1, seed: 'the-admins' });
    await query(pair.catalog.url, 'delete from mercato_seed');
    assert.equal((await seedDemoStoreOnFirstStart({ ...pair.urls, currency: 'USD' })).seeded, false);
  });
});

describe('mercato seed', () => {
  const prefix = `t_seed_${process.pid}`;
  before(() => provisionServiceDatabases(testServerUrl(), prefix, ['catalog', 'inventory']));
  after(() => dropServiceDatabases(testServerUrl(), prefix, ['catalog', 'inventory']));

  it('loads products into the databases of DATABASE_URL as the services’ own roles, and says how fast', async () => {
    const { code, output } = await runCli(['seed', '--products', '300', '--seed', 'cli'], {
      DATABASE_URL: testServerUrl(),
      MERCATO_DB_PREFIX: prefix,
      CATALOG_DATABASE_URL: '',
      INVENTORY_DATABASE_URL: '',
    });
    assert.equal(code, 0, output);
    assert.match(output, /seeded 300 products with 300 stock rows in [\d.]+ s/);
    const url = new URL(testServerUrl());
    url.pathname = `/${prefix}_catalog`;
    const owners = await query<{ tableowner: string }>(
      url.toString(),
      "select tableowner from pg_tables where tablename in ('products', 'mercato_seed')",
    );
    assert.deepEqual(
      owners.map((o) => o.tableowner),
      [`${prefix}_catalog`, `${prefix}_catalog`],
    );
  });

  it('says what to do when there is no such database, and refuses a bad count', async () => {
    const missing = await runCli(['seed'], {
      DATABASE_URL: testServerUrl(),
      MERCATO_DB_PREFIX: `${prefix}_none`,
      CATALOG_DATABASE_URL: '',
      INVENTORY_DATABASE_URL: '',
    });
    assert.equal(missing.code, 1);
    assert.match(missing.output, /no database t_seed_\d+_none_catalog .*start Mercato once/);
    const bad = await runCli(['seed', '--products', 'lots'], { DATABASE_URL: testServerUrl() });
    assert.equal(bad.code, 1);
    assert.match(bad.output, /--products takes a whole number/);
  });
});
