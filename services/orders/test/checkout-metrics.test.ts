import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { OrderConfirmed, PaymentCaptured } from '@mercato/contracts';
import { inventoryDefinition } from '@mercato/inventory';
import { createService, type Service, type ServiceDefinition, sql } from '@mercato/kit';
import {
  createTestDatabase,
  createTestIssuer,
  injectJson,
  type Observer,
  startObserver,
  type TestDatabase,
  waitFor,
} from '@mercato/kit/testing';
import { paymentsDefinition } from '@mercato/payments';
import { registryDefinition } from '@mercato/registry';
import { ordersDefinition } from '../src/app.ts';

// The checkout's business metrics, counted by the real saga: orders among real inventory and payments
// services on a real bus (pg-boss), with stub cart and catalog services.

const ADDRESS = { line1: '1 Market St', city: 'Springfield', postalCode: '12345', country: 'US' };
const PRODUCTS = [
  { sku: 'MUG-1', productId: randomUUID(), name: 'Mug', price: { amount: 1500, currency: 'USD' } },
  { sku: 'GONE-1', productId: randomUUID(), name: 'Sold out', price: { amount: 900, currency: 'USD' } },
];

const databases: TestDatabase[] = [];
let registry: Service;
let stubs: Service[] = [];
let inventory: Service;
let payments: Service;
let orders: Service;
let observer: Observer;
let issuer: Awaited<ReturnType<typeof createTestIssuer>>;
/** What each shopper's cart holds when orders asks for it. */
const carts = new Map<string, { sku: string; quantity: number }[]>();

async function database(label: string): Promise<string> {
  const created = await createTestDatabase(label);
  databases.push(created);
  return created.url;
}

function stub(name: 'cart' | 'catalog', registryUrl: string, routes: ServiceDefinition['routes']): Promise<Service> {
  return createService(
    { name, routes },
    { LOG_LEVEL: 'silent', MERCATO_AUTH: 'off', MERCATO_REGISTRY_URL: registryUrl, MERCATO_HEARTBEAT_MS: '200' },
  );
}

/** A counter's value, for the label values given (none: the unlabelled series). */
async function counter(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = orders.context.metrics.registry.getSingleMetric(name) ?? assert.fail(`no metric ${name}`);
  const values = (await metric.get()).values;
  return values.filter((v) => Object.entries(labels).every(([key, value]) => v.labels[key] === value)).reduce((sum, v) => sum + v.value, 0);
}

/** How many replies of `step` the step-duration histogram has observed. */
async function stepsAnswered(step: string): Promise<number> {
  const metric = orders.context.metrics.registry.getSingleMetric('mercato_saga_step_duration_seconds') ?? assert.fail();
  // A histogram's values carry the series they belong to (`_bucket`, `_sum`, `_count`), which prom-client's type leaves out.
  const values = (await metric.get()).values as { metricName?: string; labels: Record<string, unknown>; value: number }[];
  return values.find((v) => v.metricName === 'mercato_saga_step_duration_seconds_count' && v.labels.step === step)?.value ?? 0;
}

async function oldestStepAge(): Promise<number> {
  const metric = orders.context.metrics.registry.getSingleMetric('mercato_saga_oldest_step_age_seconds') ?? assert.fail();
  return (await metric.get()).values[0]?.value ?? Number.NaN;
}

const ordersDb = () => orders.context.database?.db ?? assert.fail('orders has no database');

/** A shopper places their cart with `paymentToken`; resolves with the order's id and its token. */
async function place(lines: { sku: string; quantity: number }[], paymentToken: string) {
  const userId = randomUUID();
  carts.set(userId, lines);
  const token = await issuer.userToken(['customer'], userId);
  const placed = await injectJson(orders.app, 'POST', '/api/orders', {
    token,
    body: { shippingAddress: ADDRESS, paymentToken },
    headers: { 'idempotency-key': randomUUID() },
  });
  assert.equal(placed.status, 202, JSON.stringify(placed.body));
  return { id: placed.body?.id as string, token };
}

async function settled(order: { id: string; token: string }) {
  return waitFor(
    `order ${order.id} to settle`,
    async () => {
      const answer = await injectJson(orders.app, 'GET', `/api/orders/${order.id}`, { token: order.token });
      return answer.body?.status === 'pending' ? undefined : answer.body;
    },
    30_000,
  );
}

before(async () => {
  const busUrl = await database('checkout_metrics_bus');
  issuer = await createTestIssuer();
  registry = await createService(registryDefinition(), { LOG_LEVEL: 'silent', MERCATO_AUTH: 'off', REGISTRY_TTL_SECONDS: '5' });
  const registryUrl = await registry.start();
  let revision = 0;
  stubs = [
    await stub('cart', registryUrl, (app) => {
      app.get('/internal/carts/:userId', async (request) => {
        const { userId } = request.params as { userId: string };
        return { id: userId, revision: `r${++revision}`, lines: carts.get(userId) ?? [] };
      });
      app.delete('/internal/carts/:userId', async (_request, reply) => reply.code(204).send());
    }),
    await stub('catalog', registryUrl, (app) => {
      app.post('/internal/products/by-sku', async () => ({ items: PRODUCTS }));
    }),
  ];
  for (const s of stubs) await s.start();
  const peer = { LOG_LEVEL: 'silent', BUS_DATABASE_URL: busUrl };
  inventory = await createService(
    { ...inventoryDefinition(), jwks: () => issuer.jwks },
    { ...peer, INVENTORY_DATABASE_URL: await database('checkout_metrics_inventory'), INVENTORY_SWEEP_INTERVAL_MS: '60000' },
  );
  await inventory.start();
  orders = await createService(
    { ...ordersDefinition(), jwks: () => issuer.jwks },
    {
      ...peer,
      MERCATO_REGISTRY_URL: registryUrl,
      MERCATO_HEARTBEAT_MS: '200',
      ORDERS_DATABASE_URL: await database('checkout_metrics_orders'),
      MERCATO_DATA_KEY: randomBytes(32).toString('base64'),
      ORDERS_STEP_TIMEOUT_MS: '30000',
    },
  );
  await orders.start();
  payments = await createService(
    {
      ...paymentsDefinition({
        // What payments' own client does in the platform: ask orders for the card token.
        paymentTokens: async (orderId) => {
          const answer = await injectJson(orders.app, 'GET', `/internal/payment-tokens/${orderId}`, {
            token: await issuer.serviceToken('payments', 'orders'),
          });
          return answer.status === 200 ? (answer.body?.token as string) : undefined;
        },
      }),
      jwks: () => issuer.jwks,
    },
    // Slow enough that a cancel sent right after placing finds the order still waiting for its authorization.
    { ...peer, PAYMENTS_DATABASE_URL: await database('checkout_metrics_payments'), MERCATO_SANDBOX_DELAY_MS: '300' },
  );
  await payments.start();
  observer = await startObserver({ label: 'checkout_metrics', busUrl, events: [OrderConfirmed] });
  await waitFor('orders to see the cart and the catalog', () =>
    ['cart', 'catalog'].every((s) => (orders.context.discovery?.instances(s).length ?? 0) > 0),
  );
  const admin = await issuer.userToken(['admin', 'customer']);
  for (const [sku, onHand] of [
    ['MUG-1', 100],
    ['GONE-1', 0],
  ] as const) {
    const stock = await injectJson(inventory.app, 'PUT', `/api/inventory/${sku}`, { token: admin, body: { onHand } });
    assert.equal(stock.status, 200, JSON.stringify(stock.body));
  }
});

after(async () => {
  await observer?.stop();
  await payments?.stop();
  await orders?.stop();
  await inventory?.stop();
  for (const s of stubs) await s.stop();
  await registry?.stop();
  for (const created of databases) await created.drop();
});

describe('checkout business metrics', () => {
  it('after every checkout settles, placed = confirmed + cancelled, each cancellation under its reason, revenue = the confirmed totals', async () => {
    const confirmedA = await place([{ sku: 'MUG-1', quantity: 2 }], 'tok_visa');
    const confirmedB = await place([{ sku: 'MUG-1', quantity: 1 }], 'tok_mastercard');
    const declined = await place([{ sku: 'MUG-1', quantity: 1 }], 'tok_declined');
    const failed = await place([{ sku: 'MUG-1', quantity: 1 }], 'tok_provider_error');
    const outOfStock = await place([{ sku: 'GONE-1', quantity: 1 }], 'tok_visa');
    const cancelled = await place([{ sku: 'MUG-1', quantity: 1 }], 'tok_visa');
    const cancel = await injectJson(orders.app, 'POST', `/api/orders/${cancelled.id}/cancel`, { token: cancelled.token });
    assert.equal(cancel.status, 202, JSON.stringify(cancel.body));

    const expected = {
      [confirmedA.id]: 'confirmed',
      [confirmedB.id]: 'confirmed',
      [declined.id]: 'cancelled payment_declined',
      [failed.id]: 'cancelled payment_failed',
      [outOfStock.id]: 'cancelled out_of_stock',
      [cancelled.id]: 'cancelled customer_request',
    };
    const final = await Promise.all([confirmedA, confirmedB, declined, failed, outOfStock, cancelled].map(settled));
    assert.deepEqual(Object.fromEntries(final.map((o) => [o.id, o.cancelReason ? `${o.status} ${o.cancelReason}` : o.status])), expected);

    // Counted right after each transaction commits, a moment after the order reads as settled.
    await waitFor('every settled checkout to be counted', async () => (await counter('mercato_orders_cancelled_total')) === 4);
    const placed = await counter('mercato_orders_placed_total');
    const confirmed = await counter('mercato_orders_confirmed_total');
    assert.equal(placed, 6);
    assert.equal(confirmed, 2);
    assert.equal(placed, confirmed + (await counter('mercato_orders_cancelled_total')));
    for (const reason of ['out_of_stock', 'payment_declined', 'payment_failed', 'customer_request']) {
      assert.equal(await counter('mercato_orders_cancelled_total', { reason }), 1, reason);
    }
    assert.equal(await counter('mercato_orders_cancelled_total', { reason: 'expired' }), 0, 'a reason with no cancellation reads 0');
    const revenue = final.filter((o) => o.status === 'confirmed').reduce((sum, o) => sum + o.total.amount, 0);
    assert.equal(await counter('mercato_revenue_confirmed_minor_units_total', { currency: 'USD' }), revenue);

    // Every reply the saga applied to a step waiting for it: each checkout's reserve (but the cancelled
    // one's, if the cancel overtook it), the four authorizations that ended their step, two commits and
    // captures; three compensation rounds (declined, failed, cancelled), each a release and a void.
    const reserves = await stepsAnswered('reserve');
    assert.ok(reserves === 5 || reserves === 6, `${reserves} reserves`);
    const authorizations = await stepsAnswered('authorize');
    assert.ok(authorizations === 4 || authorizations === 5, `${authorizations} authorizations`);
    assert.equal(await stepsAnswered('commit'), 2);
    assert.equal(await stepsAnswered('capture'), 2);
    assert.equal(await stepsAnswered('release'), 3);
    assert.equal(await stepsAnswered('void'), 3);
    assert.equal(await stepsAnswered('refund'), 0);

    const text = await orders.context.metrics.registry.metrics();
    assert.match(text, /^mercato_orders_cancelled_total\{[^}]*reason="out_of_stock"[^}]*\} 1$/m);
    assert.match(text, /^mercato_saga_step_duration_seconds_count\{[^}]*step="capture"[^}]*\} 2$/m);
  });

  it('a reply delivered again (a new event about a settled order) changes nothing and counts nothing', async () => {
    const order = await settled(await place([{ sku: 'MUG-1', quantity: 1 }], 'tok_visa'));
    await waitFor('the confirmation to be counted', async () => (await counter('mercato_orders_confirmed_total')) === 3);
    const before = await orders.context.metrics.registry.metrics();
    const again = await observer.publish((send) =>
      send(PaymentCaptured, order.id, { orderId: order.id, paymentId: randomUUID(), amount: order.total }),
    );
    await waitFor('orders to handle the repeated capture', async () => {
      const { rows } = await sql`select 1 from mercato_inbox where event_id = ${again.id}`.execute(ordersDb());
      return rows.length > 0;
    });
    const counted = (text: string) =>
      text.split('\n').filter((line) => /^mercato_(orders|revenue|saga_step_duration_seconds_count)/.test(line));
    assert.deepEqual(counted(await orders.context.metrics.registry.metrics()), counted(before));
  });

  it("the oldest step age is 0 with nothing in flight, and an order's wait in its step while one is", async () => {
    assert.equal(await oldestStepAge(), 0);
    const [any] = (await sql<{ id: string }>`select id from orders limit 1`.execute(ordersDb())).rows;
    const id = any?.id ?? assert.fail('no order');
    // An order stuck for 90 s waiting for its authorization (no deadline, so the sweeper leaves it be).
    await sql`update orders set saga_step = 'authorizing', step_started_at = now() - interval '90 seconds' where id = ${id}`.execute(
      ordersDb(),
    );
    try {
      const age = await oldestStepAge();
      assert.ok(age >= 90 && age < 120, `${age} s`);
    } finally {
      await sql`update orders set saga_step = 'done' where id = ${id}`.execute(ordersDb());
    }
    assert.equal(await oldestStepAge(), 0);
  });
});
