import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createService, type Service } from '@mercato/kit';
import { waitFor } from '@mercato/kit/testing';
import { registryDefinition } from '@mercato/registry';
import { request } from 'undici';
import { storefrontRoutes } from '../src/routes/storefront.routes.ts';

const quiet = { LOG_LEVEL: 'silent', MERCATO_AUTH: 'off' };
const product = {
  id: '01900000-0000-7000-8000-000000000001',
  slug: 'red-shoes',
  name: 'Red shoes',
  description: 'Very red.',
  category: 'shoes',
  price: { amount: 4999, currency: 'USD' },
  sku: 'SHOE-RED-42',
  images: ['/images/red-shoes.jpg'],
  attributes: {},
  createdAt: '2026-11-25T10:00:00.000Z',
  updatedAt: '2026-11-25T10:00:00.000Z',
};
const summary = {
  id: 'p2',
  slug: 'blue-shoes',
  name: 'Blue shoes',
  price: { amount: 3999, currency: 'USD' },
  image: '/b.jpg',
  category: 'shoes',
};

let registry: Service;
let catalog: Service;
let inventory: Service;
let recommendations: Service;
let storefront: Service;
let storefrontUrl: string;
let recommendationsDelayMs = 0;
const seen: { inventory: string[]; recommendations: string[] } = { inventory: [], recommendations: [] };

async function stub(name: string, routes: (app: Service['app']) => void, registryUrl: string): Promise<Service> {
  const service = await createService(
    { name, routes },
    { ...quiet, MERCATO_REGISTRY_URL: registryUrl, MERCATO_HEARTBEAT_MS: '200', MERCATO_SHUTDOWN_TIMEOUT_MS: '300' },
  );
  await service.start();
  return service;
}

async function getPage(idOrSlug: string): Promise<{ status: number; contentType: string; body: Record<string, unknown>; ms: number }> {
  const started = performance.now();
  const response = await request(`${storefrontUrl}/api/storefront/products/${idOrSlug}`);
  const body = (await response.body.json()) as Record<string, unknown>;
  return { status: response.statusCode, contentType: String(response.headers['content-type']), body, ms: performance.now() - started };
}

before(async () => {
  registry = await createService(registryDefinition(), { LOG_LEVEL: 'silent', MERCATO_AUTH: 'off', REGISTRY_TTL_SECONDS: '5' });
  const registryUrl = await registry.start();
  catalog = await stub(
    'catalog',
    (app) => {
      app.get('/api/products/:idOrSlug', { config: { anyQuery: true } }, async (req, reply) => {
        const { idOrSlug } = req.params as { idOrSlug: string };
        if (idOrSlug === product.id || idOrSlug === product.slug) return product;
        return reply
          .code(404)
          .type('application/problem+json')
          .send({ type: 'https://mercato.dev/problems/not-found', title: 'Not found', status: 404, detail: 'No such product.' });
      });
    },
    registryUrl,
  );
  inventory = await stub(
    'inventory',
    (app) => {
      app.get('/api/inventory/:sku', { config: { anyQuery: true } }, async (req) => {
        seen.inventory.push(req.url);
        return { sku: (req.params as { sku: string }).sku, available: 7 };
      });
    },
    registryUrl,
  );
  recommendations = await stub(
    'recommendations',
    (app) => {
      app.get('/api/recommendations', { config: { anyQuery: true } }, async (req) => {
        seen.recommendations.push(req.url);
        if (recommendationsDelayMs) await new Promise((resolve) => setTimeout(resolve, recommendationsDelayMs));
        return { items: [summary], strategy: 'item_similarity' };
      });
    },
    registryUrl,
  );
  // The gateway does not wire the route yet: a small service composes with the same ServiceClient and route.
  storefront = await createService(
    {
      name: 'storefront',
      register: false,
      discovery: true,
      routes(app, _deps, { serviceClient }) {
        storefrontRoutes(app, serviceClient());
      },
    },
    { ...quiet, MERCATO_REGISTRY_URL: registryUrl },
  );
  storefrontUrl = await storefront.start();
  await waitFor('every part known', () =>
    ['catalog', 'inventory', 'recommendations'].every((s) => storefront.context.discovery?.instances(s).length === 1),
  );
});

after(async () => {
  await storefront.stop();
  for (const service of [recommendations, inventory, catalog, registry]) await service.stop();
});

describe('GET /api/storefront/products/{idOrSlug}', () => {
  it('composes product, availability and recommendations', async () => {
    const page = await getPage('red-shoes');
    assert.equal(page.status, 200);
    assert.deepEqual(page.body, {
      product,
      availability: { sku: 'SHOE-RED-42', available: 7 },
      recommendations: { items: [summary], strategy: 'item_similarity' },
    });
    assert.equal(seen.inventory.at(-1), '/api/inventory/SHOE-RED-42');
    assert.equal(seen.recommendations.at(-1), `/api/recommendations?productId=${product.id}&limit=4`);
  });

  it('an unknown product is 404 problem+json', async () => {
    const page = await getPage('no-such-thing');
    assert.equal(page.status, 404);
    assert.match(page.contentType, /application\/problem\+json/);
    assert.equal(page.body.status, 404);
  });

  it('unknown query parameters are 400', async () => {
    const response = await request(`${storefrontUrl}/api/storefront/products/red-shoes?debug=1`);
    assert.equal(response.statusCode, 400);
    await response.body.dump();
  });

  it('slow recommendations are left out (null) and the page still comes within the bound', async () => {
    recommendationsDelayMs = 2_000;
    try {
      const page = await getPage(product.id);
      assert.equal(page.status, 200);
      assert.equal(page.body.recommendations, null);
      assert.deepEqual(page.body.availability, { sku: 'SHOE-RED-42', available: 7 });
      assert.deepEqual(page.body.product, product);
      assert.ok(page.ms < 1_000, `answered in ${page.ms.toFixed(0)} ms`);
    } finally {
      recommendationsDelayMs = 0;
    }
  });

  it('inventory down: availability is null and the page still comes within the bound', async () => {
    // Dead without deregistering: the heartbeat goes on, the port refuses connections.
    inventory.app.server.closeAllConnections();
    inventory.app.server.close();
    const page = await getPage('red-shoes');
    assert.equal(page.status, 200);
    assert.equal(page.body.availability, null);
    assert.deepEqual(page.body.product, product);
    assert.deepEqual(page.body.recommendations, { items: [summary], strategy: 'item_similarity' });
    assert.ok(page.ms < 1_000, `answered in ${page.ms.toFixed(0)} ms`);
  });

  it('catalog down: 503 problem+json, since there is no page without the product', async () => {
    catalog.app.server.closeAllConnections();
    catalog.app.server.close();
    const page = await getPage('red-shoes');
    assert.equal(page.status, 503);
    assert.match(page.contentType, /application\/problem\+json/);
    assert.ok(page.ms < 1_000);
  });
});
