import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createService, DataCipher, type Service, type ServiceDefinition } from '@mercato/kit';
import { createTestDatabase, createTestIssuer, injectJson, type TestDatabase, waitFor } from '@mercato/kit/testing';
import { registryDefinition } from '@mercato/registry';
import pg from 'pg';
import { ordersDefinition } from '../src/app.ts';
import { OrderStore } from '../src/store.ts';

// Orders among stub cart and catalog services: what a placed order leaves in the orders database.

const ADDRESS = {
  line1: '42 Quillfeather Lane',
  line2: 'Flat 7b',
  city: 'Zanzibarville',
  postalCode: 'QX-90817',
  country: 'US',
  phone: '+1 (555) 013-9977',
};
/** Pieces of the address, and the card token, that must not appear in any stored row, in any table. */
const SECRETS = ['Quillfeather', 'Flat 7b', 'Zanzibarville', 'QX-90817', '(555) 013-9977', '013-9977', 'tok_visa'];

const key = randomBytes(32).toString('base64');
let ordersDb: TestDatabase;
let busDb: TestDatabase;
let raw: pg.Client;
let registry: Service;
let stubs: Service[] = [];
let orders: Service;
let issuer: Awaited<ReturnType<typeof createTestIssuer>>;

/** Every row of every table in the orders database, as JSON text. */
async function everyStoredRow(): Promise<string[]> {
  const tables = await raw.query<{ name: string }>(
    `select quote_ident(table_schema) || '.' || quote_ident(table_name) as name from information_schema.tables
     where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`,
  );
  const rows: string[] = [];
  for (const { name } of tables.rows) {
    const result = await raw.query<{ row: string }>(`select row_to_json(t)::text as row from ${name} t`);
    rows.push(...result.rows.map((r) => r.row));
  }
  return rows;
}

/** A stand-in for another service, found through the registry like the real one. */
function stub(name: 'cart' | 'catalog', registryUrl: string, routes: ServiceDefinition['routes']): Promise<Service> {
  return createService(
    { name, routes },
    { LOG_LEVEL: 'silent', MERCATO_AUTH: 'off', MERCATO_REGISTRY_URL: registryUrl, MERCATO_HEARTBEAT_MS: '200' },
  );
}

before(async () => {
  ordersDb = await createTestDatabase('orders_at_rest');
  busDb = await createTestDatabase('orders_at_rest_bus');
  issuer = await createTestIssuer();
  registry = await createService(registryDefinition(), { LOG_LEVEL: 'silent', MERCATO_AUTH: 'off', REGISTRY_TTL_SECONDS: '5' });
  const registryUrl = await registry.start();
  let revision = 0;
  stubs = [
    await stub('cart', registryUrl, (app) => {
      app.get('/internal/carts/:userId', async (request) => ({
        id: (request.params as { userId: string }).userId,
        revision: `r${++revision}`,
        lines: [{ sku: 'MUG-1', quantity: 2 }],
      }));
      app.delete('/internal/carts/:userId', async (_request, reply) => reply.code(204).send());
    }),
    await stub('catalog', registryUrl, (app) => {
      app.post('/internal/products/by-sku', async () => ({
        items: [{ sku: 'MUG-1', productId: randomUUID(), name: 'Mug', price: { amount: 1500, currency: 'USD' } }],
      }));
    }),
  ];
  for (const s of stubs) await s.start();
  orders = await createService(
    { ...ordersDefinition(), jwks: () => issuer.jwks },
    {
      LOG_LEVEL: 'silent',
      MERCATO_REGISTRY_URL: registryUrl,
      MERCATO_HEARTBEAT_MS: '200',
      ORDERS_DATABASE_URL: ordersDb.url,
      BUS_DATABASE_URL: busDb.url,
      MERCATO_DATA_KEY: key,
      // The saga has no inventory to answer it here: the order stays pending for the test's length.
      ORDERS_STEP_TIMEOUT_MS: '600000',
      ORDERS_SWEEP_INTERVAL_MS: '600000',
    },
  );
  await orders.start();
  await waitFor('orders to see the cart and the catalog', () =>
    ['cart', 'catalog'].every((s) => (orders.context.discovery?.instances(s).length ?? 0) > 0),
  );
  raw = new pg.Client({ connectionString: ordersDb.url });
  await raw.connect();
});

after(async () => {
  await raw?.end();
  await orders?.stop();
  for (const s of stubs) await s.stop();
  await registry?.stop();
  await ordersDb?.drop();
  await busDb?.drop();
});

describe('shipping addresses at rest', () => {
  it('a placed order keeps its address and phone only as ciphertext; the API still shows them', async () => {
    const userId = randomUUID();
    const token = await issuer.userToken(['customer'], userId);
    const placed = await injectJson(orders.app, 'POST', '/api/orders', {
      token,
      body: { shippingAddress: ADDRESS, paymentToken: 'tok_visa' },
      headers: { 'idempotency-key': randomUUID() },
    });
    assert.equal(placed.status, 202, JSON.stringify(placed.body));
    assert.deepEqual(placed.body?.shippingAddress, ADDRESS);
    const id = placed.body?.id as string;

    const { rows } = await raw.query<{ shipping_address: unknown; shipping_address_enc: string | null; row: string }>(
      'select shipping_address, shipping_address_enc, row_to_json(o)::text as row from orders o where id = $1',
      [id],
    );
    const row = rows[0] ?? assert.fail('no order row');
    assert.equal(row.shipping_address, null, 'no plain JSON is written');
    assert.match(row.shipping_address_enc ?? '', /^v1\.[0-9a-f]{8}\./, 'DataCipher ciphertext, naming its key');
    for (const secret of SECRETS) assert.ok(!row.row.includes(secret), `the order row holds "${secret}"`);
    const stored = await everyStoredRow();
    assert.ok(stored.length > 1, 'the order, its idempotency key, its outbox messages…');
    for (const secret of SECRETS) {
      const holding = stored.filter((r) => r.includes(secret));
      assert.deepEqual(holding, [], `rows in the orders database hold "${secret}"`);
    }

    const read = await injectJson(orders.app, 'GET', `/api/orders/${id}`, { token });
    assert.equal(read.status, 200);
    assert.deepEqual(read.body?.shippingAddress, ADDRESS);
    const listed = await injectJson(orders.app, 'GET', '/api/orders', { token });
    assert.deepEqual(
      listed.body?.items.map((o: { shippingAddress: unknown }) => o.shippingAddress),
      [ADDRESS],
    );

    // After a rotation (a new current key, the old one still listed) the order still reads.
    const rotated = new OrderStore(orders.context.database?.db ?? assert.fail(), new DataCipher([randomBytes(32).toString('base64'), key]));
    assert.deepEqual((await rotated.get(rotated.db, id))?.shippingAddress, ADDRESS);
  });

  it('an order stored before encryption (plain JSON only) still reads', async () => {
    const userId = randomUUID();
    const token = await issuer.userToken(['customer'], userId);
    const id = randomUUID();
    const legacy = { line1: '9 Old Road', city: 'Oldtown', postalCode: '00001', country: 'CA', phone: '+1 555 000 1111' };
    await raw.query(
      `insert into orders (id, user_id, status, lines, currency, subtotal, shipping, total, shipping_address, saga_step, history)
       values ($1, $2, 'confirmed', '[]', 'USD', 0, 0, 0, $3::jsonb, 'done', '[]')`,
      [id, userId, JSON.stringify(legacy)],
    );
    const read = await injectJson(orders.app, 'GET', `/api/orders/${id}`, { token });
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.deepEqual(read.body?.shippingAddress, legacy);
  });

  it('hands the card token to payments alone, once the order waits for its authorization, and never after', async () => {
    const userId = randomUUID();
    const placed = await injectJson(orders.app, 'POST', '/api/orders', {
      token: await issuer.userToken(['customer'], userId),
      body: { shippingAddress: ADDRESS, paymentToken: 'tok_mastercard' },
      headers: { 'idempotency-key': randomUUID() },
    });
    const id = placed.body?.id as string;
    const ask = async (caller: string) =>
      injectJson(orders.app, 'GET', `/internal/payment-tokens/${id}`, { token: await issuer.serviceToken(caller, 'orders') });
    assert.equal((await ask('payments')).status, 404, 'not before the stock is reserved');
    await raw.query(`update orders set saga_step = 'authorizing' where id = $1`, [id]);
    const answer = await ask('payments');
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { token: 'tok_mastercard' });
    for (const caller of ['cart', 'gateway', 'inventory']) assert.equal((await ask(caller)).status, 403, caller);
    const asUser = await injectJson(orders.app, 'GET', `/internal/payment-tokens/${id}`, {
      token: await issuer.userToken(['admin'], userId),
    });
    assert.equal(asUser.status, 403, 'not even an admin user');
    await raw.query(`update orders set saga_step = 'committing', payment_token = null where id = $1`, [id]);
    assert.equal((await ask('payments')).status, 404, 'spent');
  });
});
