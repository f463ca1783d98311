import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CatalogHarness, startCatalog } from './harness.ts';

let catalog: CatalogHarness;
const bySku = (token: string | undefined, body: unknown) => catalog.call('POST', '/internal/products/by-sku', { token, body });

before(async () => {
  catalog = await startCatalog('catalog_by_sku');
  await catalog.createProduct({ slug: 'red-mug', name: 'Red mug', sku: 'MUG-RED', price: { amount: 1200, currency: 'USD' } });
  await catalog.createProduct({ slug: 'blue-mug', name: 'Blue mug', sku: 'MUG-BLUE', price: { amount: 1300, currency: 'USD' } });
  const gone = await catalog.createProduct({ slug: 'old-mug', name: 'Old mug', sku: 'MUG-OLD', price: { amount: 900, currency: 'USD' } });
  await catalog.call('DELETE', `/api/products/${gone.id}`, { token: catalog.adminToken });
});
after(() => catalog.close());

describe('POST /internal/products/by-sku', () => {
  it('answers a service token with the listed products behind the SKUs, leaving out unknown and archived ones', async () => {
    const { status, body } = await bySku(catalog.cartToken, { skus: ['MUG-BLUE', 'MUG-RED', 'MUG-OLD', 'NOPE', 'MUG-RED'] });
    assert.equal(status, 200);
    const red = (await catalog.call('GET', '/api/products/red-mug', { token: catalog.gatewayToken })).body;
    assert.deepEqual(
      [...(body?.items ?? [])].sort((a, b) => a.sku.localeCompare(b.sku)),
      [
        {
          sku: 'MUG-BLUE',
          productId: (await catalog.call('GET', '/api/products/blue-mug', { token: catalog.gatewayToken })).body?.id,
          name: 'Blue mug',
          price: { amount: 1300, currency: 'USD' },
        },
        { sku: 'MUG-RED', productId: red?.id, name: 'Red mug', price: { amount: 1200, currency: 'USD' } },
      ],
    );
  });

  it('shows a new price at once', async () => {
    const red = (await catalog.call('GET', '/api/products/red-mug', { token: catalog.gatewayToken })).body;
    await catalog.call('PATCH', `/api/products/${red?.id}`, {
      token: catalog.adminToken,
      body: { price: { amount: 1100, currency: 'USD' } },
    });
    const { body } = await bySku(catalog.cartToken, { skus: ['MUG-RED'] });
    assert.deepEqual(body?.items[0].price, { amount: 1100, currency: 'USD' });
  });

  it('refuses a user token with 403, even an admin, and no token with 401', async () => {
    assert.equal((await bySku(catalog.customerToken, { skus: ['MUG-RED'] })).status, 403);
    assert.equal((await bySku(catalog.adminToken, { skus: ['MUG-RED'] })).status, 403);
    assert.equal((await bySku(undefined, { skus: ['MUG-RED'] })).status, 401);
  });

  it('refuses an empty list, more than 100 SKUs and unknown fields with 400', async () => {
    assert.equal((await bySku(catalog.cartToken, { skus: [] })).status, 400);
    assert.equal((await bySku(catalog.cartToken, { skus: Array.from({ length: 101 }, (_, i) => `S-${i}`) })).status, 400);
    assert.equal((await bySku(catalog.cartToken, { skus: ['MUG-RED'], prices: true })).status, 400);
    assert.equal((await bySku(catalog.cartToken, { skus: Array.from({ length: 100 }, (_, i) => `S-${i}`) })).status, 200);
  });
});
