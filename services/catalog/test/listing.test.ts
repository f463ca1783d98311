import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from '@mercato/kit';
import { type Answer, type CatalogHarness, type Product, startCatalog } from './harness.ts';

let catalog: CatalogHarness;
const list = (query: string, headers?: Record<string, string>) =>
  catalog.call('GET', `/api/products${query ? `?${query}` : ''}`, { token: catalog.gatewayToken, headers });
const slugsOf = (body: Record<string, unknown> | undefined) => ((body?.items ?? []) as Product[]).map((p) => p.slug);

before(async () => {
  catalog = await startCatalog('catalog_listing');
  // Created in this order, so `newest` lists them reversed.
  await catalog.createProduct({
    slug: 'studio-stand',
    name: 'Studio stand',
    description: 'A wooden stand that holds your headphones',
    category: 'accessories',
    price: { amount: 2500, currency: 'USD' },
  });
  await catalog.createProduct({
    slug: 'aurora-headphones',
    name: 'Aurora wireless headphones',
    description: 'Over-ear, noise cancelling',
    category: 'audio',
    price: { amount: 19900, currency: 'USD' },
  });
  await catalog.createProduct({
    slug: 'pocket-speaker',
    name: 'Pocket speaker',
    description: 'Small and loud',
    category: 'audio',
    price: { amount: 4900, currency: 'USD' },
  });
  await catalog.createProduct({
    slug: 'desk-lamp',
    name: 'Desk lamp',
    description: 'Warm light for late work',
    category: 'home',
    price: { amount: 3900, currency: 'USD' },
  });
});
after(() => catalog.close());

describe('search', () => {
  it('ranks a product named by the query above one that only mentions it in its description', async () => {
    const { status, body } = await list('q=headphones');
    assert.equal(status, 200);
    assert.deepEqual(slugsOf(body), ['aurora-headphones', 'studio-stand']);
  });

  it('finds headphones when the shopper types "hedphones"', async () => {
    const { status, body } = await list('q=hedphones');
    assert.equal(status, 200);
    assert.equal(slugsOf(body)[0], 'aurora-headphones');
  });

  it('finds a product by a word of its category, and by a typo in two words', async () => {
    assert.deepEqual(slugsOf((await list('q=audio&sort=price_asc')).body), ['pocket-speaker', 'aurora-headphones']);
    assert.deepEqual(slugsOf((await list(`q=${encodeURIComponent('wireles hedphones')}`)).body), ['aurora-headphones']);
  });

  it('finds nothing for words no product is near', async () => {
    const { status, body } = await list('q=submarine');
    assert.equal(status, 200);
    assert.deepEqual(body, { items: [], nextCursor: null });
  });

  it('shows products in the API shape', async () => {
    const { body } = await list('q=lamp');
    const [lamp] = (body?.items ?? []) as Product[];
    assert.deepEqual(Object.keys(lamp ?? {}).sort(), [
      'attributes',
      'category',
      'createdAt',
      'description',
      'id',
      'images',
      'name',
      'price',
      'sku',
      'slug',
      'updatedAt',
    ]);
    assert.deepEqual(lamp?.price, { amount: 3900, currency: 'USD' });
  });
});

describe('filters and sorts', () => {
  it('lists newest first by default', async () => {
    assert.deepEqual(slugsOf((await list('')).body), ['desk-lamp', 'pocket-speaker', 'aurora-headphones', 'studio-stand']);
  });

  it('filters by category and by an inclusive price range', async () => {
    assert.deepEqual(slugsOf((await list('category=audio&sort=price_desc')).body), ['aurora-headphones', 'pocket-speaker']);
    assert.deepEqual(slugsOf((await list('minPrice=2500&maxPrice=4900&sort=price_asc')).body), [
      'studio-stand',
      'desk-lamp',
      'pocket-speaker',
    ]);
    assert.deepEqual(slugsOf((await list('category=nothing-here')).body), []);
  });

  it('sorts by price both ways', async () => {
    assert.deepEqual(slugsOf((await list('sort=price_asc')).body), ['studio-stand', 'desk-lamp', 'pocket-speaker', 'aurora-headphones']);
    assert.deepEqual(slugsOf((await list('sort=price_desc')).body), ['aurora-headphones', 'pocket-speaker', 'desk-lamp', 'studio-stand']);
  });

  it('refuses unknown parameters, values out of range or outside the enum, and a price range upside down with 400', async () => {
    for (const query of ['colour=red', 'limit=0', 'limit=101', 'limit=ten', 'sort=cheapest', 'minPrice=-1', 'minPrice=500&maxPrice=100']) {
      const { status, headers, body } = await list(query);
      assert.equal(status, 400, query);
      assert.match(String(headers['content-type']), /^application\/problem\+json/);
      assert.ok(body?.errors[0].parameter, query);
    }
    assert.equal((await list('colour=red')).body?.errors[0].parameter, 'colour');
  });

  it('refuses a cursor it did not give out, or one given out for another sort, with 400', async () => {
    const page = await list('limit=1&sort=price_asc');
    assert.ok(page.body?.nextCursor);
    for (const cursor of ['garbage!', 'bm90LWpzb24', Buffer.from('["newest",1,"x"]').toString('base64url'), page.body?.nextCursor]) {
      const { status, body } = await list(`limit=1&cursor=${encodeURIComponent(cursor)}`);
      assert.equal(status, 400, cursor);
      assert.equal(body?.errors[0].parameter, 'cursor');
    }
  });
});

describe('caching', () => {
  it('answers a listing again after a product changed straight in its table (a bulk seed, an operator), with the change', async () => {
    const db = catalog.service.context.database?.db;
    assert.ok(db);
    const byPrice = async () => slugsOf((await list('q=audio&sort=price_asc')).body);
    assert.deepEqual(await byPrice(), ['pocket-speaker', 'aurora-headphones']);
    assert.deepEqual(await byPrice(), ['pocket-speaker', 'aurora-headphones'], 'the same answer when nothing was written');
    await sql`update products set price_amount = 29900 where slug = 'pocket-speaker'`.execute(db);
    try {
      assert.deepEqual(await byPrice(), ['aurora-headphones', 'pocket-speaker']);
    } finally {
      await sql`update products set price_amount = 4900 where slug = 'pocket-speaker'`.execute(db);
    }
    assert.deepEqual(await byPrice(), ['pocket-speaker', 'aurora-headphones']);
  });

  it('answers a list with an ETag and Cache-Control, and 304 to If-None-Match with it', async () => {
    const first = await list('sort=price_asc');
    const etag = String(first.headers.etag);
    assert.match(etag, /^W\/".+"$/);
    assert.match(String(first.headers['cache-control']), /max-age=/);
    const again = await list('sort=price_asc', { 'if-none-match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.body, undefined);
    assert.equal(again.headers.etag, etag);
    assert.equal((await list('sort=price_desc', { 'if-none-match': etag })).status, 200);
  });

  it('answers a product with an ETag that changes when the product does', async () => {
    const first = await catalog.call('GET', '/api/products/desk-lamp', { token: catalog.gatewayToken });
    assert.equal(first.status, 200);
    const etag = String(first.headers.etag);
    assert.ok(first.headers['cache-control']);
    const same = await catalog.call('GET', `/api/products/${first.body?.id}`, {
      token: catalog.gatewayToken,
      headers: { 'if-none-match': etag },
    });
    assert.equal(same.status, 304);
    const patched = await catalog.call('PATCH', `/api/products/${first.body?.id}`, {
      token: catalog.adminToken,
      body: { name: 'Desk lamp, brass' },
    });
    assert.equal(patched.status, 200);
    const changed = await catalog.call('GET', '/api/products/desk-lamp', {
      token: catalog.gatewayToken,
      headers: { 'if-none-match': etag },
    });
    assert.equal(changed.status, 200);
    assert.equal(changed.body?.name, 'Desk lamp, brass');
    assert.notEqual(changed.headers.etag, etag);
  });

  it('answers the categories with their counts of listed products, an ETag and 304', async () => {
    const { status, headers, body } = await catalog.call('GET', '/api/categories', { token: catalog.gatewayToken });
    assert.equal(status, 200);
    assert.deepEqual(body, {
      items: [
        { slug: 'accessories', name: 'Accessories', productCount: 1 },
        { slug: 'audio', name: 'Audio', productCount: 2 },
        { slug: 'home', name: 'Home', productCount: 1 },
      ],
      nextCursor: null,
    });
    const again = await catalog.call('GET', '/api/categories', {
      token: catalog.gatewayToken,
      headers: { 'if-none-match': String(headers.etag) },
    });
    assert.equal(again.status, 304);
  });
});

describe('archived products', () => {
  it('are gone from the product route, listings, search and category counts', async () => {
    const doomed = await catalog.createProduct({ slug: 'vinyl-headphones-stand', name: 'Vinyl headphones stand', category: 'vinyl' });
    assert.equal((await catalog.call('DELETE', `/api/products/${doomed.id}`, { token: catalog.adminToken })).status, 204);
    assert.equal((await catalog.call('GET', `/api/products/${doomed.id}`, { token: catalog.gatewayToken })).status, 404);
    assert.equal((await catalog.call('GET', `/api/products/${doomed.slug}`, { token: catalog.gatewayToken })).status, 404);
    assert.ok(!slugsOf((await list('limit=100')).body).includes(doomed.slug));
    assert.ok(!slugsOf((await list('q=headphones')).body).includes(doomed.slug));
    assert.ok(!slugsOf((await list('q=hedphones')).body).includes(doomed.slug));
    const categories = (await catalog.call('GET', '/api/categories', { token: catalog.gatewayToken })).body?.items;
    assert.deepEqual(
      categories.find((c: { slug: string }) => c.slug === 'vinyl'),
      { slug: 'vinyl', name: 'Vinyl', productCount: 0 },
    );
    assert.equal((await catalog.call('DELETE', `/api/products/${doomed.id}`, { token: catalog.adminToken })).status, 404);
  });
});

describe('pagination', () => {
  it('walks every page without repeating or skipping a product while others are being added', async () => {
    const existing: Product[] = [];
    for (let i = 0; i < 45; i++) {
      existing.push(
        await catalog.createProduct({
          slug: `walk-gadget-${i}`,
          name: `Walk gadget ${i}`,
          category: 'gadgets',
          // Repeated prices, so ties on the sort key are ordered by id.
          price: { amount: 100 * (i % 7) + 99, currency: 'USD' },
        }),
      );
    }
    let added = 0;
    const addOne = () =>
      catalog.createProduct({
        slug: `walk-late-${added++}`,
        name: `Walk gadget late ${added}`,
        category: 'gadgets',
        price: { amount: 100 * (added % 9) + 49, currency: 'USD' },
      });
    for (const query of ['category=gadgets', 'category=gadgets&sort=price_asc', 'category=gadgets&sort=price_desc', 'q=gadget']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        // A product is created while the page is read, and another one between pages.
        const [page]: [Answer, unknown] = await Promise.all([list(`${query}&limit=7${cursor ? `&cursor=${cursor}` : ''}`), addOne()]);
        assert.equal(page.status, 200, query);
        seen.push(...slugsOf(page.body));
        cursor = page.body?.nextCursor;
        await addOne();
        pages++;
      } while (cursor && pages < 50);
      assert.equal(new Set(seen).size, seen.length, `${query}: a product was listed twice`);
      const missing = existing.filter((p) => !seen.includes(p.slug)).map((p) => p.slug);
      assert.deepEqual(missing, [], `${query}: pre-existing products were skipped`);
    }
  });

  it('gives no next cursor on the last page', async () => {
    const { body } = await list('category=audio&limit=2');
    assert.equal(body?.items.length, 2);
    assert.equal(body?.nextCursor, null);
  });
});
