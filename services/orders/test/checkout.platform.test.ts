import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dropServiceDatabases, freePort, launchPlatform, type PlatformProcess } from '@mercato/cli';
import { SERVICE_NAMES } from '@mercato/kit';
import { waitFor } from '@mercato/kit/testing';
import pg from 'pg';
import { ADDRESS, call, Shopper } from './support/shop.ts';

// The checkout saga through the gateway, every service a real process started by `mercato up`.

const external = process.env.DATABASE_URL;
const prefix = `t_checkout_${process.pid}`;
const ADMIN = { email: 'admin@checkout.test', password: 'admin password 123' };
let dataDir: string;
let platform: PlatformProcess;
let base: string;
let admin: string;

const CURRENCY = 'USD';
const price = (amount: number) => ({ amount, currency: CURRENCY });

/** The PostgreSQL the platform runs on: DATABASE_URL's, or the one `mercato up` embedded in its data directory. */
async function platformAdminUrl(): Promise<string> {
  if (external) return external;
  const settings = JSON.parse(await readFile(join(dataDir, 'postgres.json'), 'utf8')) as { port: number; password: string };
  return `postgres://postgres:${encodeURIComponent(settings.password)}@127.0.0.1:${settings.port}/postgres`;
}

async function createProduct(sku: string, amount: number, onHand: number): Promise<void> {
  const product = {
    slug: sku.toLowerCase(),
    name: `Product ${sku}`,
    description: 'for checkout tests',
    category: 'test-goods',
    price: price(amount),
    sku,
    images: [],
    attributes: {},
  };
  const created = await call(base, 'POST', '/api/products', { token: admin, body: product });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const stock = await call(base, 'PUT', `/api/inventory/${sku}`, { token: admin, body: { onHand } });
  assert.equal(stock.status, 200, JSON.stringify(stock.body));
}

const available = async (sku: string): Promise<number> => (await call(base, 'GET', `/api/inventory/${sku}`)).body.available;
async function ledger(orderId: string) {
  const answer = await call(base, 'GET', `/api/admin/payments/${orderId}`, { token: admin });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body;
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mercato-checkout-'));
  await chmod(dataDir, 0o755);
  platform = await launchPlatform({
    MERCATO_DATA_DIR: dataDir,
    GATEWAY_PORT: String(await freePort()),
    MERCATO_DB_PREFIX: prefix,
    DATABASE_URL: external ?? '',
    MERCATO_SEED: 'none',
    MERCATO_ADMIN_EMAIL: ADMIN.email,
    MERCATO_ADMIN_PASSWORD: ADMIN.password,
    MERCATO_RATE_LIMIT_ANON: '0',
    MERCATO_RATE_LIMIT_USER: '0',
    MERCATO_RATE_LIMIT_AUTH: '0',
    MERCATO_SANDBOX_DELAY_MS: '20',
    // The invariants here are about outcomes, not speed: on a loaded 2-core CI machine a burst's
    // steps can take longer than the default 10 s deadline, which would cancel orders as expired.
    ORDERS_STEP_TIMEOUT_MS: '30000',
  });
  base = platform.gatewayUrl;
  const login = await call(base, 'POST', '/api/auth/login', { body: ADMIN });
  assert.equal(login.status, 200);
  admin = login.body.accessToken;
  await createProduct('MUG-1', 1500, 1000);
  await createProduct('LAMP-1', 2500, 1000);
});
after(async () => {
  await platform?.stop();
  if (external) await dropServiceDatabases(external, prefix, [...SERVICE_NAMES, 'bus']);
  await rm(dataDir, { recursive: true, force: true });
});

describe('checkout', () => {
  it('happy path: confirmed, stock down by the quantities, one capture of exactly the total, cart emptied', async () => {
    const shopper = await Shopper.register(base);
    const [mugs, lamps] = [await available('MUG-1'), await available('LAMP-1')];
    await shopper.add('MUG-1', 2);
    await shopper.add('LAMP-1', 1);
    const placed = await shopper.place('tok_visa');
    assert.equal(placed.status, 202, JSON.stringify(placed.body));
    assert.equal(placed.body.status, 'pending');
    assert.equal(placed.body.paymentToken, undefined, 'the token is never echoed');
    assert.deepEqual(placed.body.subtotal, price(5500));
    assert.deepEqual(placed.body.shipping, price(0), 'free shipping from 50.00');
    assert.deepEqual(placed.body.total, price(5500));
    assert.equal((await shopper.call('GET', '/api/cart')).body.itemCount, 0, 'the cart is emptied');

    const order = await shopper.final(placed.body.id);
    assert.equal(order.status, 'confirmed', JSON.stringify(order.history));
    assert.deepEqual(order.payment, { status: 'captured', brand: 'visa', last4: '4242' });
    assert.deepEqual(
      order.history.map((h: { status: string }) => h.status),
      ['pending', 'pending', 'pending', 'pending', 'confirmed'],
    );
    assert.equal(await available('MUG-1'), mugs - 2);
    assert.equal(await available('LAMP-1'), lamps - 1);
    const payment = await ledger(order.id);
    const captures = payment.ledger.filter((entry: { kind: string }) => entry.kind === 'capture');
    assert.equal(captures.length, 1);
    assert.deepEqual(captures[0].amount, price(5500));
  });

  it('GET /api/orders/{id}?wait= answers once the pending order settles, in one request; wait is 0–5 and nothing else is taken', async () => {
    const shopper = await Shopper.register(base);
    await shopper.add('MUG-1', 1);
    const placed = await shopper.place('tok_visa');
    assert.equal(placed.status, 202, JSON.stringify(placed.body));
    const asked = performance.now();
    const waited = await shopper.call('GET', `/api/orders/${placed.body.id}?wait=5`);
    const tookMs = performance.now() - asked;
    assert.equal(waited.status, 200, JSON.stringify(waited.body));
    // The saga takes well under a second here; only a machine slowed to a crawl lets the wait run out.
    if (waited.body.status === 'pending')
      assert.ok(tookMs >= 4_900, `answered pending after ${Math.round(tookMs)} ms, before the wait ran out`);
    else assert.equal(waited.body.status, 'confirmed', JSON.stringify(waited.body.history));
    const settled = await shopper.call('GET', `/api/orders/${placed.body.id}?wait=5`);
    assert.equal(settled.body.status, 'confirmed', 'a settled order is answered at once');
    for (const query of ['wait=6', 'wait=-1', 'wait=soon', 'other=1']) {
      const refused = await shopper.call('GET', `/api/orders/${placed.body.id}?${query}`);
      assert.equal(refused.status, 400, `${query}: ${JSON.stringify(refused.body)}`);
    }
    const stranger = await Shopper.register(base);
    assert.equal((await stranger.call('GET', `/api/orders/${placed.body.id}?wait=5`)).status, 404, 'waiting shows nobody else’s order');
  });

  it('no card token is kept or queued anywhere after a checkout: orders, payments and the bus hold none', async () => {
    const shopper = await Shopper.register(base);
    await shopper.add('MUG-1', 1);
    const placed = await shopper.place('tok_mastercard');
    assert.equal((await shopper.final(placed.body.id)).status, 'confirmed');
    const leaks: string[] = [];
    for (const service of ['orders', 'payments', 'bus']) {
      const url = new URL(await platformAdminUrl());
      url.pathname = `/${prefix}_${service}`;
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        const { rows: tables } = await client.query<{ name: string }>(
          `select quote_ident(table_schema) || '.' || quote_ident(table_name) as name from information_schema.tables
           where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`,
        );
        for (const { name } of tables) {
          const { rows } = await client.query<{ row: string }>(`select t::text as row from ${name} t where t::text like '%tok\\_%'`);
          for (const { row } of rows) leaks.push(`${service} ${name}: ${row.slice(0, 200)}`);
        }
      } finally {
        await client.end();
      }
    }
    assert.deepEqual(leaks, []);
  });

  it('charges shipping from the rate table below the free-shipping threshold', async () => {
    const shopper = await Shopper.register(base);
    await shopper.add('MUG-1', 1);
    const placed = await shopper.call(
      'POST',
      '/api/orders',
      { shippingAddress: { ...ADDRESS, country: 'DE' }, paymentToken: 'tok_mastercard' },
      { 'idempotency-key': randomUUID() },
    );
    assert.equal(placed.status, 202);
    assert.deepEqual(placed.body.shipping, price(1499));
    assert.deepEqual(placed.body.total, price(1500 + 1499));
    const order = await shopper.final(placed.body.id);
    assert.deepEqual(order.payment, { status: 'captured', brand: 'mastercard', last4: '4444' });
  });

  for (const [token, reason, paymentStatus] of [
    ['tok_declined', 'payment_declined', 'declined'],
    ['tok_insufficient_funds', 'payment_declined', 'declined'],
    ['tok_provider_error', 'payment_failed', 'failed'],
  ] as const) {
    it(`${token} ends cancelled with ${reason}, the stock back where it was and the lines back in the cart`, async () => {
      const shopper = await Shopper.register(base);
      const before = await available('LAMP-1');
      await shopper.add('LAMP-1', 3);
      const held = (await shopper.call('GET', '/api/cart')).body.lines;
      const placed = await shopper.place(token);
      assert.equal(placed.status, 202);
      const order = await shopper.final(placed.body.id);
      assert.equal(order.status, 'cancelled');
      assert.equal(order.cancelReason, reason);
      assert.equal(order.payment.status, paymentStatus);
      assert.equal(await available('LAMP-1'), before);
      // API.md: the shopper can try another card. The cart hears of it by an event, so a moment later.
      const again = await waitFor(
        'the lines back in the cart',
        async () => {
          const lines = (await shopper.call('GET', '/api/cart')).body.lines;
          return lines.length > 0 ? lines : undefined;
        },
        10_000,
      );
      assert.deepEqual(again, held);
    });
  }

  it('refuses bad placements with 400 and changes nothing', async () => {
    const shopper = await Shopper.register(base);
    await shopper.add('MUG-1', 1);
    assert.equal((await shopper.place('tok_unknown')).status, 400, 'unknown token');
    assert.equal((await shopper.place('tok_visa', randomUUID(), { total: 1 })).status, 400, 'a price or any other field');
    const noKey = await shopper.call('POST', '/api/orders', { shippingAddress: ADDRESS, paymentToken: 'tok_visa' });
    assert.equal(noKey.status, 400);
    assert.equal(noKey.body.errors[0].header, 'idempotency-key');
    assert.equal((await shopper.place('tok_visa', 'bad key with spaces')).status, 400);
    assert.equal((await shopper.call('GET', '/api/orders')).body.items.length, 0);
    assert.equal((await shopper.call('GET', '/api/cart')).body.itemCount, 1);
    const empty = await Shopper.register(base);
    assert.equal((await empty.place('tok_visa')).status, 409, 'empty cart');
  });

  it('Idempotency-Key: replay gives the same order, another body 422, 20 concurrent requests one order', async () => {
    const shopper = await Shopper.register(base);
    await shopper.add('MUG-1', 1);
    const key = randomUUID();
    const first = await shopper.place('tok_visa', key);
    assert.equal(first.status, 202);
    const replay = await shopper.place('tok_visa', key);
    assert.equal(replay.status, 200);
    assert.equal(replay.body.id, first.body.id);
    assert.equal((await shopper.place('tok_mastercard', key)).status, 422);

    await shopper.add('LAMP-1', 1);
    const burstKey = randomUUID();
    const answers = await Promise.all(Array.from({ length: 20 }, () => shopper.place('tok_visa', burstKey)));
    for (const answer of answers) assert.ok([200, 202, 409].includes(answer.status), `status ${answer.status}`);
    const ids = new Set(answers.filter((a) => a.status !== 409).map((a) => a.body.id));
    assert.equal(ids.size, 1);
    const mine = (await shopper.call('GET', '/api/orders')).body.items;
    assert.equal(mine.length, 2, 'the first order and one from the burst');
    assert.equal(mine[0].id, [...ids][0], 'newest first');
  });

  for (const racers of [3, 10]) {
    it(`one cart yields one order: ${racers} placements with different keys race, one 202 and the rest 409`, async () => {
      const shopper = await Shopper.register(base);
      await shopper.add('MUG-1', 1);
      const answers = await Promise.all(Array.from({ length: racers }, () => shopper.place('tok_visa', randomUUID())));
      const statuses = answers.map((answer) => answer.status).sort();
      assert.deepEqual(statuses, [202, ...Array.from({ length: racers - 1 }, () => 409)], JSON.stringify(statuses));
      for (const answer of answers.filter((a) => a.status === 409)) {
        assert.equal(answer.body.status, 409, 'a problem+json body');
      }
      const mine = (await shopper.call('GET', '/api/orders')).body.items;
      assert.equal(mine.length, 1);
    });
  }

  it('an order is its owner’s: another shopper gets 404, an admin sees it; a customer cannot use admin routes', async () => {
    const owner = await Shopper.register(base);
    const stranger = await Shopper.register(base);
    await owner.add('MUG-1', 1);
    const placed = await owner.place('tok_visa');
    assert.equal((await stranger.call('GET', `/api/orders/${placed.body.id}`)).status, 404);
    assert.equal((await stranger.call('POST', `/api/orders/${placed.body.id}/cancel`)).status, 404);
    assert.equal((await call(base, 'GET', `/api/orders/${placed.body.id}`, { token: admin })).status, 200);
    assert.equal((await stranger.call('GET', '/api/admin/orders')).status, 403);
    assert.equal((await stranger.call('POST', `/api/admin/orders/${placed.body.id}/ship`, {})).status, 403);
    await owner.final(placed.body.id);
  });

  it('a customer cancels after confirmation: refunded and the stock released; shipping then refused', async () => {
    const shopper = await Shopper.register(base);
    const before = await available('MUG-1');
    await shopper.add('MUG-1', 4);
    const placed = await shopper.place('tok_visa');
    const confirmed = await shopper.final(placed.body.id);
    assert.equal(confirmed.status, 'confirmed');
    assert.equal(await available('MUG-1'), before - 4);
    const cancel = await shopper.call('POST', `/api/orders/${placed.body.id}/cancel`);
    assert.equal(cancel.status, 202);
    const cancelled = await shopper.final(placed.body.id, 5_000, (order) => order.status === 'cancelled');
    assert.equal(cancelled.cancelReason, 'customer_request');
    assert.equal(cancelled.payment.status, 'refunded');
    assert.equal(await available('MUG-1'), before);
    const payment = await ledger(placed.body.id);
    assert.deepEqual(
      payment.ledger.map((entry: { kind: string }) => entry.kind).filter((kind: string) => kind !== 'authorization'),
      ['capture', 'refund'],
    );
    assert.equal((await shopper.call('POST', `/api/orders/${placed.body.id}/cancel`)).status, 409);
    const ship = await call(base, 'POST', `/api/admin/orders/${placed.body.id}/ship`, {
      token: admin,
      body: { carrier: 'UPS', trackingNumber: '1Z' },
    });
    assert.equal(ship.status, 409);
  });

  it('an admin ships a confirmed order; a shipped order cannot be cancelled', async () => {
    const shopper = await Shopper.register(base);
    await shopper.add('LAMP-1', 1);
    const placed = await shopper.place('tok_visa');
    await shopper.final(placed.body.id);
    const ship = await call(base, 'POST', `/api/admin/orders/${placed.body.id}/ship`, {
      token: admin,
      body: { carrier: 'UPS', trackingNumber: '1Z999' },
    });
    assert.equal(ship.status, 200, JSON.stringify(ship.body));
    assert.equal(ship.body.status, 'shipped');
    assert.equal((await shopper.call('POST', `/api/orders/${placed.body.id}/cancel`)).status, 409);
    const listed = await call(base, 'GET', '/api/admin/orders?status=shipped&limit=100', { token: admin });
    assert.ok(listed.body.items.some((order: { id: string }) => order.id === placed.body.id));
  });

  it('flash sale: 200 shoppers race for 20 units, exactly 20 confirmed and 180 out_of_stock', async (t) => {
    await createProduct('FLASH-1', 999, 20);
    const shoppers = await Promise.all(Array.from({ length: 200 }, (_, i) => Shopper.register(base, `flash${i}`)));
    await Promise.all(shoppers.map((shopper) => shopper.add('FLASH-1', 1)));
    const placed = await Promise.all(shoppers.map((shopper) => shopper.place('tok_visa')));
    for (const answer of placed) assert.equal(answer.status, 202, JSON.stringify(answer.body));
    const orders = await Promise.all(placed.map((answer, i) => shoppers[i]?.final(answer.body.id, 120_000)));
    const confirmed = orders.filter((order) => order.status === 'confirmed');
    const outOfStock = orders.filter((order) => order.cancelReason === 'out_of_stock');
    const firstReply = orders.map((order) => Date.parse(order.history[1].at) - Date.parse(order.history[0].at)).sort((a, b) => a - b);
    t.diagnostic(`placed → reserve answered: p50 ${firstReply[100]} ms, max ${firstReply.at(-1)} ms`);
    const others = orders.filter((order) => order.status !== 'confirmed' && order.cancelReason !== 'out_of_stock');
    assert.deepEqual(
      others.map((order) => order.history),
      [],
      'every order is confirmed or out of stock',
    );
    assert.equal(confirmed.length, 20);
    assert.equal(outOfStock.length, 180);
    // Nothing held and nothing left: on hand 20 − 20 committed, 0 reserved (setting on hand to 0 is refused if anything is reserved).
    assert.equal(await available('FLASH-1'), 0);
    const reset = await call(base, 'PUT', '/api/inventory/FLASH-1', { token: admin, body: { onHand: 0 } });
    assert.deepEqual(reset.body, { sku: 'FLASH-1', onHand: 0, reserved: 0, available: 0 });
  });

  for (const victim of ['orders', 'payments', 'inventory'] as const) {
    it(`kill -9 of ${victim} in a checkout burst: every order ends confirmed or cancelled, no double capture, no leaked stock`, async () => {
      const sku = `CRASH-${victim.toUpperCase()}`;
      await createProduct(sku, 1200, 10_000);
      const shoppers = await Promise.all(Array.from({ length: 30 }, (_, i) => Shopper.register(base, `crash${i}`)));
      await Promise.all(shoppers.map((shopper) => shopper.add(sku, 2)));
      const pid = platform.table.get(victim)?.pid;
      assert.ok(pid, `${victim} pid`);
      const placing = shoppers.map(async (shopper, i) => {
        await new Promise((resolve) => setTimeout(resolve, i * 10));
        // A placement that meets the dead service is retried with the same key, as a client would.
        for (let attempt = 0; ; attempt++) {
          const answer = await shopper.place('tok_visa', `crash-${victim}-${i}`).catch(() => undefined);
          if (answer && (answer.status === 202 || answer.status === 200)) return answer.body.id as string;
          if (attempt > 100) throw new Error(`placement kept failing: ${answer?.status} ${JSON.stringify(answer?.body)}`);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 120));
      process.kill(pid, 'SIGKILL');
      const ids = await Promise.all(placing);
      const orders = await Promise.all(ids.map((id, i) => shoppers[i]?.final(id, 60_000)));
      let confirmedUnits = 0;
      for (const order of orders) {
        assert.ok(['confirmed', 'cancelled'].includes(order.status), order.status);
        if (order.status === 'confirmed') confirmedUnits += 2;
        const payment = await ledger(order.id);
        const captured = payment.ledger
          .filter((entry: { kind: string }) => entry.kind === 'capture')
          .reduce((sum: number, entry: { amount: { amount: number } }) => sum + entry.amount.amount, 0);
        assert.ok(captured <= order.total.amount, `captured ${captured} of ${order.total.amount}`);
        if (order.status === 'confirmed') assert.equal(captured, order.total.amount);
      }
      // Nothing leaked: what is available is exactly what was not sold.
      await waitFor('stock to add up', async () => (await available(sku)) === 10_000 - confirmedUnits, 10_000);
      // The killed service came back.
      await waitFor('the platform ready again', async () => (await call(base, 'GET', '/health/ready')).status === 200, 30_000);
    });
  }
});
