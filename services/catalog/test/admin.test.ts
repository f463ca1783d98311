import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CatalogHarness, type ProductInput, startCatalog } from './harness.ts';

let catalog: CatalogHarness;

const lamp = (overrides: Partial<ProductInput> = {}): ProductInput => ({
  slug: 'brass-lamp',
  name: 'Brass lamp',
  description: 'A lamp of brass',
  category: 'home-decor',
  price: { amount: 4500, currency: 'EUR' },
  sku: 'LAMP-BRASS',
  images: ['/images/brass-lamp.jpg', 'https://cdn.shop.example/lamp-2.jpg'],
  attributes: { colour: 'brass', watts: 40, dimmable: true, sizes: ['S', 'M'] },
  ...overrides,
});

const asAdmin = (method: 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) =>
  catalog.call(method, url, { token: catalog.adminToken, body });

before(async () => {
  catalog = await startCatalog('catalog_admin', { MERCATO_CURRENCY: 'EUR', CATALOG_IMAGE_ORIGINS: 'https://cdn.shop.example' });
});
after(() => catalog.close());

describe('creating a product', () => {
  it('answers 201 with the product, makes its category, and writes catalog.product.created.v1 to the outbox', async () => {
    const { status, body, headers } = await asAdmin('POST', '/api/products', lamp());
    assert.equal(status, 201);
    assert.match(body?.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
    assert.equal(headers.location, `/api/products/${body?.id}`);
    assert.deepEqual(
      { ...body, id: undefined, createdAt: undefined, updatedAt: undefined },
      {
        ...lamp(),
        id: undefined,
        createdAt: undefined,
        updatedAt: undefined,
      },
    );
    assert.equal(body?.createdAt, body?.updatedAt);
    assert.deepEqual(await catalog.outboxTypes(), ['catalog.product.created.v1']);
    const categories = await catalog.call('GET', '/api/categories', { token: catalog.gatewayToken });
    assert.deepEqual(categories.body?.items, [{ slug: 'home-decor', name: 'Home decor', productCount: 1 }]);
    const read = await catalog.call('GET', `/api/products/${body?.id}`, { token: catalog.gatewayToken });
    assert.deepEqual(read.body, body);
  });

  it('refuses a slug or a SKU already taken with 409, and writes no event for it', async () => {
    const slug = await asAdmin('POST', '/api/products', lamp({ sku: 'LAMP-OTHER' }));
    assert.equal(slug.status, 409);
    assert.equal(slug.body?.type, 'https://mercato.dev/problems/catalog/slug-taken');
    const sku = await asAdmin('POST', '/api/products', lamp({ slug: 'other-lamp' }));
    assert.equal(sku.status, 409);
    assert.equal(sku.body?.type, 'https://mercato.dev/problems/catalog/sku-taken');
    assert.deepEqual(await catalog.outboxTypes(), ['catalog.product.created.v1']);
  });

  it('refuses a negative price, another currency, unknown fields and strings out of bounds with 400', async () => {
    const cases: [unknown, string][] = [
      [lamp({ slug: 'a1', sku: 'A1', price: { amount: -1, currency: 'EUR' } }), '#/price/amount'],
      [lamp({ slug: 'a2', sku: 'A2', price: { amount: 100, currency: 'USD' } }), '#/price/currency'],
      [{ ...lamp({ slug: 'a3', sku: 'A3' }), id: 'mine' }, '#/id'],
      [{ ...lamp({ slug: 'a4', sku: 'A4' }), createdAt: new Date().toISOString() }, '#/createdAt'],
      [lamp({ slug: 'a5', sku: 'A5', name: 'x'.repeat(201) }), '#/name'],
      [lamp({ slug: 'Not A Slug', sku: 'A6' }), '#/slug'],
      [lamp({ slug: 'a7', sku: 'A7', price: { amount: 1.5, currency: 'EUR' } }), '#/price/amount'],
      [lamp({ slug: 'a8', sku: 'A8', images: ['https://evil.example/x.jpg'] }), '#/images/0'],
      [lamp({ slug: 'a9', sku: 'A9', images: ['//evil.example/x.jpg'] }), '#/images/0'],
      [lamp({ slug: '01890a5d-ac96-774b-bcce-b302099a8057', sku: 'A10' }), '#/slug'],
      [lamp({ slug: 'a11', sku: 'A11', attributes: { nested: { deep: true } } }), '#/attributes/nested'],
      [lamp({ slug: 'a12', sku: 'A12', name: '   ' }), '#/name'],
      [lamp({ slug: 'a13', sku: 'A13', description: 'x'.repeat(10_001) }), '#/description'],
      [lamp({ slug: 'a14', sku: 'A14', images: Array.from({ length: 21 }, (_, i) => `/images/${i}.jpg`) }), '#/images'],
    ];
    for (const [body, pointer] of cases) {
      const answer = await asAdmin('POST', '/api/products', body);
      assert.equal(answer.status, 400, pointer);
      assert.ok(
        answer.body?.errors.some((e: { pointer: string }) => e.pointer === pointer),
        `${pointer}: ${JSON.stringify(answer.body?.errors)}`,
      );
    }
    const missing = await asAdmin('POST', '/api/products', { slug: 'x', name: 'X' });
    assert.equal(missing.status, 400);
    assert.deepEqual(await catalog.outboxTypes(), ['catalog.product.created.v1']);
  });
});

describe('who may change the catalog', () => {
  it('refuses a customer with 403 and an anonymous call with 401, whatever the body', async () => {
    const id = '01890a5d-ac96-774b-bcce-b302099a8057';
    for (const [method, url, body] of [
      ['POST', '/api/products', lamp({ slug: 'c1', sku: 'C1' })],
      ['POST', '/api/products', { bogus: true }],
      ['PATCH', `/api/products/${id}`, { name: 'Mine now' }],
      ['DELETE', `/api/products/${id}`, undefined],
    ] as const) {
      assert.equal((await catalog.call(method, url, { token: catalog.customerToken, body })).status, 403, `${method} ${url} customer`);
      assert.equal((await catalog.call(method, url, { body })).status, 401, `${method} ${url} anonymous`);
      // The gateway's own token stands for an anonymous shopper: not a user, so 401 too.
      assert.equal((await catalog.call(method, url, { token: catalog.gatewayToken, body })).status, 401, `${method} ${url} gateway`);
    }
  });

  it('lets anyone read, through the gateway or with their own token', async () => {
    assert.equal((await catalog.call('GET', '/api/products', { token: catalog.gatewayToken })).status, 200);
    assert.equal((await catalog.call('GET', '/api/products', { token: catalog.customerToken })).status, 200);
    assert.equal((await catalog.call('GET', '/api/categories', { token: catalog.customerToken })).status, 200);
    assert.equal((await catalog.call('GET', '/api/products')).status, 401);
  });
});

describe('changing a product', () => {
  it('changes only the fields sent, and a price change also writes catalog.price.changed.v1 in the same transaction', async () => {
    const product = await catalog.createProduct({
      slug: 'oak-table',
      sku: 'TABLE-OAK',
      category: 'home-decor',
      price: { amount: 30000, currency: 'EUR' },
    });
    const before = await catalog.outboxTypes();

    const renamed = await asAdmin('PATCH', `/api/products/${product.id}`, { name: 'Oak table, large', attributes: { seats: 6 } });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body?.name, 'Oak table, large');
    assert.deepEqual(renamed.body?.attributes, { seats: 6 });
    assert.deepEqual(renamed.body?.price, { amount: 30000, currency: 'EUR' });
    assert.equal(renamed.body?.createdAt, product.createdAt);
    assert.ok(renamed.body?.updatedAt >= product.updatedAt);
    assert.deepEqual((await catalog.outboxTypes()).slice(before.length), ['catalog.product.updated.v1']);

    const repriced = await asAdmin('PATCH', `/api/products/${product.id}`, { price: { amount: 27500, currency: 'EUR' } });
    assert.equal(repriced.status, 200);
    assert.deepEqual(repriced.body?.price, { amount: 27500, currency: 'EUR' });
    assert.deepEqual((await catalog.outboxTypes()).slice(before.length), [
      'catalog.product.updated.v1',
      'catalog.product.updated.v1',
      'catalog.price.changed.v1',
    ]);
    const db = catalog.service.context.database?.db;
    assert.ok(db);
    const { sql } = await import('@mercato/kit');
    const { rows } = await sql<{ subject: string; data: unknown }>`
      select subject, envelope->'data' as data from mercato_outbox where envelope->>'type' = 'catalog.price.changed.v1'`.execute(db);
    assert.deepEqual(rows, [
      { subject: product.id, data: { productId: product.id, sku: 'TABLE-OAK', price: { amount: 27500, currency: 'EUR' } } },
    ]);
  });

  it('refuses a slug of another product with 409, bad fields or an empty change with 400, an unknown id with 404', async () => {
    const a = await catalog.createProduct({ slug: 'pine-chair', sku: 'CHAIR-PINE', price: { amount: 100, currency: 'EUR' } });
    const before = await catalog.outboxTypes();
    assert.equal((await asAdmin('PATCH', `/api/products/${a.id}`, { slug: 'oak-table' })).status, 409);
    assert.equal((await asAdmin('PATCH', `/api/products/${a.id}`, { sku: 'TABLE-OAK' })).status, 409);
    assert.equal((await asAdmin('PATCH', `/api/products/${a.id}`, { price: { amount: -5, currency: 'EUR' } })).status, 400);
    assert.equal((await asAdmin('PATCH', `/api/products/${a.id}`, { price: { amount: 5, currency: 'GBP' } })).status, 400);
    assert.equal((await asAdmin('PATCH', `/api/products/${a.id}`, { id: 'x' })).status, 400);
    assert.equal((await asAdmin('PATCH', `/api/products/${a.id}`, {})).status, 400);
    assert.equal((await asAdmin('PATCH', '/api/products/not-a-uuid', { name: 'X' })).status, 400);
    assert.equal((await asAdmin('PATCH', '/api/products/01890a5d-ac96-774b-bcce-b302099a8057', { name: 'X' })).status, 404);
    assert.deepEqual(await catalog.outboxTypes(), before);
  });

  it('archives with DELETE: 204, then 404 on read, change and a second DELETE; the slug may be used again', async () => {
    const chair = await catalog.createProduct({ slug: 'birch-chair', sku: 'CHAIR-BIRCH', price: { amount: 100, currency: 'EUR' } });
    const before = await catalog.outboxTypes();
    assert.equal((await asAdmin('DELETE', `/api/products/${chair.id}`)).status, 204);
    assert.deepEqual((await catalog.outboxTypes()).slice(before.length), ['catalog.product.deleted.v1']);
    assert.equal((await catalog.call('GET', `/api/products/${chair.id}`, { token: catalog.gatewayToken })).status, 404);
    assert.equal((await asAdmin('PATCH', `/api/products/${chair.id}`, { name: 'Back' })).status, 404);
    assert.equal((await asAdmin('DELETE', `/api/products/${chair.id}`)).status, 404);
    const again = await asAdmin(
      'POST',
      '/api/products',
      lamp({ slug: 'birch-chair', sku: 'CHAIR-BIRCH-2', price: { amount: 120, currency: 'EUR' } }),
    );
    assert.equal(again.status, 201);
    assert.notEqual(again.body?.id, chair.id);
    // A SKU stays taken for good: carts and orders keep referring to it.
    assert.equal((await asAdmin('POST', '/api/products', lamp({ slug: 'birch-chair-3', sku: 'CHAIR-BIRCH' }))).status, 409);
  });

  it('answers GET for a malformed id or slug with 400 and an unknown one with 404', async () => {
    assert.equal((await catalog.call('GET', '/api/products/no_such%20thing', { token: catalog.gatewayToken })).status, 400);
    assert.equal((await catalog.call('GET', '/api/products/no-such-thing', { token: catalog.gatewayToken })).status, 404);
    assert.equal((await catalog.call('GET', '/api/products/brass-lamp?x=1', { token: catalog.gatewayToken })).status, 400);
  });
});
