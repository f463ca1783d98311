import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ProductViewed } from '@mercato/contracts';
import { connectBus, createLogger, createMetrics, createService, type Metrics, type Service, uuidv7 } from '@mercato/kit';
import {
  createTcpProxy,
  createTestDatabase,
  createTestIssuer,
  type Observer,
  startObserver,
  type TcpProxy,
  type TestDatabase,
  viaProxy,
  waitFor,
} from '@mercato/kit/testing';
import { registryDefinition } from '@mercato/registry';
import pg from 'pg';
import { request } from 'undici';
import { gatewayDefinition } from '../src/app.ts';
import { ProductViews } from '../src/product-views.ts';

const quiet = { LOG_LEVEL: 'silent', MERCATO_AUTH: 'off' };
const BUFFER = 20;
const product = {
  id: '01900000-0000-7000-8000-0000000000a1',
  slug: 'green-boots',
  name: 'Green boots',
  sku: 'BOOT-GREEN-41',
  price: { amount: 8999, currency: 'USD' },
};

let busDatabase: TestDatabase;
let busProxy: TcpProxy;
let observer: Observer;
let registry: Service;
let catalog: Service;
let inventory: Service;
let gateway: Service;
let gatewayUrl: string;
let issuer: Awaited<ReturnType<typeof createTestIssuer>>;
let catalogCalls = 0;

async function stub(name: string, routes: (app: Service['app']) => void, registryUrl: string): Promise<Service> {
  const service = await createService({ name, routes }, { ...quiet, MERCATO_REGISTRY_URL: registryUrl, MERCATO_HEARTBEAT_MS: '200' });
  await service.start();
  return service;
}

/** Opens a product page as `userId` (signed in) or anonymously; the status and how long the page took. */
async function openPage(idOrSlug: string, userId?: string): Promise<{ status: number; ms: number }> {
  const headers = userId ? { authorization: `Bearer ${await issuer.userToken(['customer'], userId)}` } : undefined;
  const started = performance.now();
  const answer = await request(`${gatewayUrl}/api/storefront/products/${idOrSlug}`, { headers });
  await answer.body.dump();
  return { status: answer.statusCode, ms: performance.now() - started };
}

async function counter(metrics: Metrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name) ?? assert.fail(`no metric ${name}`);
  const values = (await metric.get()).values.filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want));
  return values.reduce((sum, v) => sum + v.value, 0);
}

/** The views the observer got from `userId`'s pages. */
const viewsOf = (userId: string) => observer.received<{ userId: string; productId: string }>(userId);

/**
 * Holds every pg-boss table of the bus database locked: a publish (and the observer's fetch) waits
 * until `release()`, as it would on a bus that has stopped answering.
 */
async function stallBus(): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: busDatabase.url });
  await client.connect();
  await client.query('begin');
  await client.query('lock table pgboss.subscription, pgboss.job in access exclusive mode');
  return {
    async release() {
      await client.query('rollback');
      await client.end();
    },
  };
}

before(async () => {
  busDatabase = await createTestDatabase('gateway_views_bus');
  // Subscribed before the gateway first publishes (pg-boss publishes to the subscribers it finds).
  observer = await startObserver({ label: 'gateway_views', busUrl: busDatabase.url, events: [ProductViewed] });
  const bus = new URL(busDatabase.url);
  busProxy = await createTcpProxy(bus.hostname, Number(bus.port || 5432));
  issuer = await createTestIssuer();
  registry = await createService(registryDefinition(), { ...quiet, REGISTRY_TTL_SECONDS: '5' });
  const registryUrl = await registry.start();
  catalog = await stub(
    'catalog',
    (app) => {
      app.get('/api/products/:idOrSlug', async (req, reply) => {
        catalogCalls++;
        const { idOrSlug } = req.params as { idOrSlug: string };
        if (idOrSlug === product.id || idOrSlug === product.slug) return product;
        return reply.code(404).type('application/problem+json').send({ status: 404, title: 'Not Found', detail: 'No such product.' });
      });
    },
    registryUrl,
  );
  inventory = await stub(
    'inventory',
    (app) => app.get('/api/inventory/:sku', async () => ({ sku: product.sku, available: 3 })),
    registryUrl,
  );
  gateway = await createService(
    { ...gatewayDefinition(), jwks: () => issuer.jwks },
    {
      ...quiet,
      GATEWAY_PORT: '0',
      MERCATO_REGISTRY_URL: registryUrl,
      MERCATO_RATE_LIMIT_ANON: '0',
      MERCATO_RATE_LIMIT_USER: '0',
      // Long enough that every page after the first is a cache hit.
      GATEWAY_STOREFRONT_CACHE_MS: '60000',
      GATEWAY_VIEWS_BUFFER: String(BUFFER),
      BUS_DATABASE_URL: viaProxy(busDatabase.url, busProxy),
    },
  );
  gatewayUrl = await gateway.start();
  await waitFor('the gateway to know catalog and inventory', () =>
    ['catalog', 'inventory'].every((s) => (gateway.context.discovery?.instances(s).length ?? 0) > 0),
  );
});

after(async () => {
  await gateway?.stop();
  for (const service of [inventory, catalog, registry]) await service?.stop();
  await busProxy?.close();
  await observer?.stop();
  await busDatabase?.drop();
});

describe('storefront.product.viewed.v1 from the gateway', () => {
  it("a signed-in shopper's product page, opened by slug, reaches a subscriber with their user id and the product's id", async () => {
    const shopper = uuidv7();
    assert.equal((await openPage(product.slug, shopper)).status, 200);
    const views = await waitFor('the view to arrive', async () => {
      const received = await viewsOf(shopper);
      return received.length > 0 && received;
    });
    assert.deepEqual(views, [{ type: 'storefront.product.viewed.v1', data: { userId: shopper, productId: product.id } }]);
    assert.ok((await counter(gateway.context.metrics, 'mercato_gateway_views_published_total')) >= 1);
  });

  it('a page served from the composed-page cache still publishes, once for each viewer', async () => {
    const [ada, bob] = [uuidv7(), uuidv7()];
    await openPage(product.slug);
    const callsBefore = catalogCalls;
    assert.equal((await openPage(product.slug, ada)).status, 200);
    assert.equal((await openPage(product.id, bob)).status, 200);
    assert.equal((await openPage(product.slug, ada)).status, 200);
    // The slug's page came from the cache; the id's was composed once.
    assert.equal(catalogCalls - callsBefore, 1);
    await waitFor('both viewers’ views', async () => (await viewsOf(ada)).length === 2 && (await viewsOf(bob)).length === 1);
    for (const view of [...(await viewsOf(ada)), ...(await viewsOf(bob))]) assert.equal(view.data.productId, product.id);
  });

  it('an anonymous view, and a signed-in view of an unknown product, publish nothing', async () => {
    const before = await observer.count(ProductViewed.type);
    const [lost, marker] = [uuidv7(), uuidv7()];
    assert.equal((await openPage(product.slug)).status, 200);
    assert.equal((await openPage('no-such-boots', lost)).status, 404);
    // A view after them: once it has arrived, so would anything published before it in the same flush or an earlier one.
    assert.equal((await openPage(product.slug, marker)).status, 200);
    await waitFor('the marker view', async () => (await viewsOf(marker)).length === 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(await viewsOf(lost), []);
    assert.equal(await observer.count(ProductViewed.type), before + 1);
  });

  it('a full buffer drops the oldest views and counts them, and the pages do not wait for the bus', async () => {
    const metrics = gateway.context.metrics;
    const droppedBefore = await counter(metrics, 'mercato_gateway_views_dropped_total', { reason: 'buffer_full' });
    const stall = await stallBus();
    try {
      // One view for the flusher to get stuck on: a publish in flight, the buffer empty again.
      const stuck = uuidv7();
      await openPage(product.slug, stuck);
      await waitFor('the flusher to hold the view', async () => (await counter(metrics, 'mercato_gateway_views_buffered')) === 0);
      const burst = Array.from({ length: BUFFER + 10 }, () => uuidv7());
      const pages: { status: number; ms: number }[] = [];
      for (const shopper of burst) pages.push(await openPage(product.slug, shopper));
      assert.deepEqual(
        pages.map((p) => p.status),
        burst.map(() => 200),
      );
      // Cached pages answer in milliseconds; one that waited on the locked bus would wait until the release.
      assert.ok(Math.max(...pages.map((p) => p.ms)) < 1_000, `slowest page ${Math.max(...pages.map((p) => p.ms))} ms`);
      assert.equal(await counter(metrics, 'mercato_gateway_views_dropped_total', { reason: 'buffer_full' }), droppedBefore + 10);
      assert.equal(await counter(metrics, 'mercato_gateway_views_buffered'), BUFFER);
      await stall.release();
      // The newest BUFFER views, and the one in flight, arrive once the bus answers again; the oldest ten never do.
      const kept = burst.slice(10);
      await waitFor(
        'the kept views',
        async () => (await Promise.all([stuck, ...kept].map(viewsOf))).every((views) => views.length === 1),
        20_000,
      );
      for (const shopper of burst.slice(0, 10)) assert.deepEqual(await viewsOf(shopper), [], 'a dropped view arrived');
    } finally {
      await stall.release().catch(() => {});
    }
  });

  it('a bus that fails does not fail the page: the batch is dropped and counted, and later views flow again', async () => {
    const metrics = gateway.context.metrics;
    const failedBefore = await counter(metrics, 'mercato_gateway_views_dropped_total', { reason: 'bus_failed' });
    busProxy.cut();
    try {
      const unlucky = uuidv7();
      const page = await openPage(product.slug, unlucky);
      assert.equal(page.status, 200);
      await waitFor(
        'the failed batch to be counted',
        async () => (await counter(metrics, 'mercato_gateway_views_dropped_total', { reason: 'bus_failed' })) > failedBefore,
      );
    } finally {
      busProxy.restore();
    }
    const later = uuidv7();
    assert.equal((await openPage(product.slug, later)).status, 200);
    await waitFor('a view after the bus came back', async () => (await viewsOf(later)).length === 1, 20_000);
  });
});

describe('ProductViews', () => {
  const log = createLogger({ service: 'gateway', instance: 'test', level: 'silent' });
  const product2 = '01900000-0000-7000-8000-0000000000b2';

  it('without a bus keeps nothing and publishes nothing', async () => {
    const metrics = createMetrics({ service: 'gateway', instance: 'test' });
    const views = new ProductViews({ log, metrics });
    views.start(undefined);
    views.record(uuidv7(), product2);
    assert.equal(await counter(metrics, 'mercato_gateway_views_buffered'), 0);
    await views.stop();
    assert.equal(await counter(metrics, 'mercato_gateway_views_published_total'), 0);
    assert.equal(await counter(metrics, 'mercato_gateway_views_dropped_total'), 0);
  });

  it('stop publishes what is buffered, once', async () => {
    const metrics = createMetrics({ service: 'gateway', instance: 'test' });
    const bus =
      (await connectBus({ BUS_DATABASE_URL: busDatabase.url, MERCATO_BUS_NAMESPACE: 'mercato' }, log, 'test', { consumes: false })) ??
      assert.fail();
    // No tick before the stop: only the stop's flush can publish.
    const views = new ProductViews({ log, metrics, intervalMs: 60_000 });
    views.start(bus);
    const shopper = uuidv7();
    views.record(shopper, product2);
    await views.stop();
    await bus.close();
    assert.equal(await counter(metrics, 'mercato_gateway_views_published_total'), 1);
    const arrived = await waitFor('the view published at stop', async () => {
      const received = await viewsOf(shopper);
      return received.length > 0 && received;
    });
    assert.deepEqual(arrived, [{ type: 'storefront.product.viewed.v1', data: { userId: shopper, productId: product2 } }]);
  });

  it('stop gives up on a bus that does not answer within its bound, counting what it leaves', async () => {
    const metrics = createMetrics({ service: 'gateway', instance: 'test' });
    const bus =
      (await connectBus({ BUS_DATABASE_URL: busDatabase.url, MERCATO_BUS_NAMESPACE: 'mercato' }, log, 'test', { consumes: false })) ??
      assert.fail();
    const views = new ProductViews({ log, metrics, intervalMs: 60_000, batchSize: 2, stopTimeoutMs: 300 });
    views.start(bus);
    const stall = await stallBus();
    try {
      // Three views, batches of two: one batch stuck in flight at the bound, one never tried.
      for (let i = 0; i < 3; i++) views.record(uuidv7(), product2);
      const started = performance.now();
      await views.stop();
      const ms = performance.now() - started;
      assert.ok(ms < 1_000, `stop took ${ms} ms`);
      assert.equal(await counter(metrics, 'mercato_gateway_views_dropped_total', { reason: 'stopped' }), 1);
      assert.equal(await counter(metrics, 'mercato_gateway_views_buffered'), 0);
    } finally {
      await stall.release();
    }
    await bus.close();
  });
});
