import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CatalogProduct } from '@mercato/contracts';
import { sql } from '@mercato/kit';
import { waitFor } from '@mercato/kit/testing';
import { type CartWorld, startCartWorld } from './harness.ts';

let world: CartWorld;
let mug: CatalogProduct;
let lamp: CatalogProduct;
/** 110 products for the limits on lines. */
const bulk: CatalogProduct[] = [];

const usd = (amount: number) => ({ amount, currency: 'USD' });
const add = (token: string, sku: string, quantity: number) => world.call('POST', '/api/cart/items', { token, body: { sku, quantity } });
const getCart = (token: string) => world.call('GET', '/api/cart', { token });

before(async () => {
  world = await startCartWorld('cart');
  mug = await world.createProduct({ slug: 'red-mug', name: 'Red mug', sku: 'MUG-RED', price: usd(1250) });
  lamp = await world.createProduct({ slug: 'desk-lamp', name: 'Desk lamp', sku: 'LAMP-1', price: usd(4999) });
  for (let i = 0; i < 110; i += 10) {
    bulk.push(
      ...(await Promise.all(
        Array.from({ length: 10 }, (_, j) => {
          const n = String(i + j).padStart(3, '0');
          return world.createProduct({ slug: `bulk-${n}`, sku: `BULK-${n}`, price: usd(100) });
        }),
      )),
    );
  }
});
after(() => world.close());

describe('GET /api/cart', () => {
  it('a shopper who never added anything has an empty cart, with the same id every time, and no row is written', async () => {
    const token = await world.userToken(undefined);
    const first = await getCart(token);
    assert.equal(first.status, 200);
    assert.deepEqual({ ...first.body, id: undefined }, { id: undefined, lines: [], subtotal: usd(0), itemCount: 0 });
    assert.match(String(first.body?.id), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal((await getCart(token)).body?.id, first.body?.id);
    const { rows } = await sql<{ n: string }>`select count(*) as n from carts where id = ${first.body?.id}`.execute(world.cartDb);
    assert.equal(rows[0]?.n, '0');
  });
});

describe('POST /api/cart/items', () => {
  it("adds a line with the catalog's name and price, adds to it on a second add, and totals the cart", async () => {
    const token = await world.userToken();
    const id = (await getCart(token)).body?.id;
    const first = await add(token, 'MUG-RED', 2);
    assert.equal(first.status, 200);
    assert.deepEqual(first.body, {
      id,
      lines: [{ sku: 'MUG-RED', productId: mug.id, name: 'Red mug', unitPrice: usd(1250), quantity: 2, lineTotal: usd(2500) }],
      subtotal: usd(2500),
      itemCount: 2,
    });
    await add(token, 'LAMP-1', 1);
    const third = await add(token, 'MUG-RED', 3);
    assert.equal(third.status, 200);
    assert.deepEqual(third.body, {
      id,
      lines: [
        { sku: 'MUG-RED', productId: mug.id, name: 'Red mug', unitPrice: usd(1250), quantity: 5, lineTotal: usd(6250) },
        { sku: 'LAMP-1', productId: lamp.id, name: 'Desk lamp', unitPrice: usd(4999), quantity: 1, lineTotal: usd(4999) },
      ],
      subtotal: usd(11249),
      itemCount: 6,
    });
    assert.deepEqual((await getCart(token)).body, third.body, 'GET shows what the add answered');
  });

  it('an unknown SKU, or one of an archived product, is 404 problem+json and the cart stays as it was', async () => {
    const token = await world.userToken();
    const unknown = await add(token, 'NO-SUCH-SKU', 1);
    assert.equal(unknown.status, 404);
    assert.match(String(unknown.headers['content-type']), /^application\/problem\+json/);
    assert.equal(unknown.body?.type, 'https://mercato.dev/problems/cart/unknown-sku');
    const old = await world.createProduct({ slug: 'old-mug', sku: 'MUG-OLD' });
    assert.equal((await world.catalogAdmin('DELETE', `/api/products/${old.id}`)).status, 204);
    assert.equal((await add(token, 'MUG-OLD', 1)).status, 404);
    assert.deepEqual((await getCart(token)).body?.lines, []);
  });

  it('a quantity of 0 or 100, a malformed SKU, a missing or unknown field, or an unknown query parameter is 400', async () => {
    const token = await world.userToken();
    const bad = [
      { sku: 'MUG-RED', quantity: 0 },
      { sku: 'MUG-RED', quantity: 100 },
      { sku: 'MUG-RED', quantity: 1.5 },
      { sku: 'mug red!', quantity: 1 },
      { sku: 'MUG-RED' },
      { sku: 'MUG-RED', quantity: 1, price: usd(1) },
    ];
    for (const body of bad) {
      const answer = await world.call('POST', '/api/cart/items', { token, body });
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(answer.body?.type, 'https://mercato.dev/problems/validation');
      assert.ok(Array.isArray(answer.body?.errors) && answer.body.errors.length > 0);
    }
    const unknownField = await world.call('POST', '/api/cart/items', { token, body: { sku: 'MUG-RED', quantity: 1, price: usd(1) } });
    assert.deepEqual(unknownField.body?.errors, [{ pointer: '#/price', detail: 'is not an allowed field' }]);
    const query = await world.call('POST', '/api/cart/items?userId=someone-else', { token, body: { sku: 'MUG-RED', quantity: 1 } });
    assert.equal(query.status, 400);
    assert.equal((await world.call('GET', '/api/cart?limit=5', { token })).status, 400);
    assert.deepEqual((await getCart(token)).body?.lines, []);
  });

  it('a line over 99 units is 409 and the line keeps its quantity', async () => {
    const token = await world.userToken();
    assert.equal((await add(token, 'MUG-RED', 99)).status, 200);
    const over = await add(token, 'MUG-RED', 1);
    assert.equal(over.status, 409);
    assert.equal(over.body?.type, 'https://mercato.dev/problems/cart/line-full');
    assert.equal((await getCart(token)).body?.lines[0]?.quantity, 99);
  });

  it('a 101st line is 409; adding to one of the 100 still works', async () => {
    const token = await world.userToken();
    for (const product of bulk.slice(0, 100)) assert.equal((await add(token, product.sku, 1)).status, 200);
    const full = await add(token, bulk[100]?.sku ?? '', 1);
    assert.equal(full.status, 409);
    assert.equal(full.body?.type, 'https://mercato.dev/problems/cart/cart-full');
    assert.equal((await add(token, bulk[0]?.sku ?? '', 1)).status, 200);
    const cart = (await getCart(token)).body;
    assert.equal(cart?.lines.length, 100);
    assert.equal(cart?.itemCount, 101);
    assert.deepEqual(cart?.subtotal, usd(101 * 100));
  });

  it('publishes cart.item.added through the outbox, with the user as subject; a refused add publishes nothing', async () => {
    const userId = `user-${Date.now()}`;
    const token = await world.userToken(userId);
    await add(token, 'LAMP-1', 2);
    assert.equal((await add(token, 'LAMP-1', 98)).status, 409);
    assert.equal((await add(token, 'NO-SUCH-SKU', 1)).status, 404);
    await add(token, 'MUG-RED', 1);
    // Events of one subject arrive in order: once the last add's is in, a refused add's would be too.
    const events = await waitFor('both adds on the bus', async () => {
      const seen = await world.published(userId);
      return seen.length >= 2 ? seen : undefined;
    });
    assert.deepEqual(events, [
      { type: 'cart.item.added.v1', data: { userId, sku: 'LAMP-1', productId: lamp.id, quantity: 2 } },
      { type: 'cart.item.added.v1', data: { userId, sku: 'MUG-RED', productId: mug.id, quantity: 1 } },
    ]);
  });
});

describe('changing and removing lines', () => {
  it('PATCH sets a quantity, and 0 removes the line', async () => {
    const token = await world.userToken();
    await add(token, 'MUG-RED', 1);
    await add(token, 'LAMP-1', 1);
    const set = await world.call('PATCH', '/api/cart/items/MUG-RED', { token, body: { quantity: 7 } });
    assert.equal(set.status, 200);
    assert.equal(set.body?.lines[0]?.quantity, 7);
    assert.deepEqual(set.body?.lines[0]?.lineTotal, usd(7 * 1250));
    assert.equal(set.body?.itemCount, 8);
    const removed = await world.call('PATCH', '/api/cart/items/MUG-RED', { token, body: { quantity: 0 } });
    assert.equal(removed.status, 200);
    assert.deepEqual(
      removed.body?.lines.map((line) => line.sku),
      ['LAMP-1'],
    );
    assert.deepEqual(removed.body?.subtotal, usd(4999));
  });

  it('PATCH of a SKU not in the cart is 404; a quantity of 100, -1 or an unknown field is 400', async () => {
    const token = await world.userToken();
    const missingCart = await world.call('PATCH', '/api/cart/items/MUG-RED', { token, body: { quantity: 1 } });
    assert.equal(missingCart.status, 404);
    assert.equal(missingCart.body?.type, 'https://mercato.dev/problems/cart/not-in-cart');
    await add(token, 'LAMP-1', 1);
    assert.equal((await world.call('PATCH', '/api/cart/items/MUG-RED', { token, body: { quantity: 1 } })).status, 404);
    for (const body of [{ quantity: 100 }, { quantity: -1 }, { quantity: 1, sku: 'LAMP-1' }, {}]) {
      assert.equal((await world.call('PATCH', '/api/cart/items/LAMP-1', { token, body })).status, 400, JSON.stringify(body));
    }
    assert.equal((await getCart(token)).body?.lines[0]?.quantity, 1);
  });

  it('DELETE of a line answers the cart without it; a SKU not in the cart is 404', async () => {
    const token = await world.userToken();
    await add(token, 'MUG-RED', 2);
    await add(token, 'LAMP-1', 1);
    const removed = await world.call('DELETE', '/api/cart/items/MUG-RED', { token });
    assert.equal(removed.status, 200);
    assert.deepEqual(
      removed.body?.lines.map((line) => line.sku),
      ['LAMP-1'],
    );
    assert.equal((await world.call('DELETE', '/api/cart/items/MUG-RED', { token })).status, 404);
  });

  it('DELETE /api/cart empties the cart with 204; the cart keeps its id and can be filled again', async () => {
    const token = await world.userToken();
    await add(token, 'MUG-RED', 2);
    const id = (await getCart(token)).body?.id;
    const cleared = await world.call('DELETE', '/api/cart', { token });
    assert.equal(cleared.status, 204);
    assert.deepEqual((await getCart(token)).body, { id, lines: [], subtotal: usd(0), itemCount: 0 });
    assert.equal((await world.call('DELETE', '/api/cart', { token })).status, 204, 'an empty cart too');
    assert.equal((await add(token, 'LAMP-1', 1)).body?.id, id);
  });
});

describe('whose cart', () => {
  it('no token is 401; a service token is not a shopper (401)', async () => {
    for (const [method, url] of [
      ['GET', '/api/cart'],
      ['POST', '/api/cart/items'],
      ['DELETE', '/api/cart'],
    ] as const) {
      const anonymous = await world.call(method, url, method === 'POST' ? { body: { sku: 'MUG-RED', quantity: 1 } } : {});
      assert.equal(anonymous.status, 401, `${method} ${url}`);
      assert.match(String(anonymous.headers['content-type']), /^application\/problem\+json/);
    }
    assert.equal((await getCart(world.ordersToken)).status, 401);
    assert.equal((await world.call('POST', '/api/cart/items', { token: world.ordersToken, body: {} })).status, 401, 'before validation');
  });

  it("one shopper never sees nor changes another's cart", async () => {
    const ada = await world.userToken();
    const bob = await world.userToken();
    await add(ada, 'MUG-RED', 3);
    const adaCart = (await getCart(ada)).body;
    const bobCart = (await getCart(bob)).body;
    assert.notEqual(bobCart?.id, adaCart?.id);
    assert.deepEqual(bobCart?.lines, []);
    assert.equal((await world.call('PATCH', '/api/cart/items/MUG-RED', { token: bob, body: { quantity: 1 } })).status, 404);
    assert.equal((await world.call('DELETE', '/api/cart/items/MUG-RED', { token: bob })).status, 404);
    assert.equal((await world.call('DELETE', '/api/cart', { token: bob })).status, 204);
    await add(bob, 'LAMP-1', 1);
    assert.deepEqual((await getCart(ada)).body, adaCart);
  });
});

describe('/internal/carts/{userId} (orders)', () => {
  it("answers a service the user's cart as they see it, and empties it with 204", async () => {
    const userId = `shopper-${Date.now()}`;
    const token = await world.userToken(userId);
    await add(token, 'MUG-RED', 2);
    const internal = await world.call('GET', `/internal/carts/${userId}`, { token: world.ordersToken });
    assert.equal(internal.status, 200);
    const { revision, ...view } = internal.body ?? {};
    assert.deepEqual(view, (await getCart(token)).body, 'the shopper view plus a revision');
    await add(token, 'MUG-RED', 1);
    const later = await world.call('GET', `/internal/carts/${userId}`, { token: world.ordersToken });
    assert.ok(revision && later.body?.revision && later.body.revision !== revision, 'every write makes a new revision');
    assert.equal((await world.call('DELETE', `/internal/carts/${userId}`, { token: world.ordersToken })).status, 204);
    assert.deepEqual((await getCart(token)).body?.lines, []);
    const never = await world.call('GET', '/internal/carts/nobody-yet', { token: world.ordersToken });
    assert.equal(never.status, 200);
    assert.deepEqual(never.body?.lines, []);
  });

  it('refuses a user token with 403, even for their own cart, and no token with 401', async () => {
    const userId = `shopper-${Date.now()}`;
    const token = await world.userToken(userId);
    const refused = await world.call('GET', `/internal/carts/${userId}`, { token });
    assert.equal(refused.status, 403);
    assert.equal(refused.body?.type, 'https://mercato.dev/problems/forbidden');
    assert.equal((await world.call('DELETE', `/internal/carts/${userId}`, { token })).status, 403);
    assert.equal((await world.call('GET', `/internal/carts/${userId}`)).status, 401);
  });
});

describe('concurrent adds', () => {
  it('20 concurrent adds of one SKU by one shopper all count', async () => {
    const token = await world.userToken();
    const answers = await Promise.all(Array.from({ length: 20 }, () => add(token, 'MUG-RED', 2)));
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(20).fill(200),
    );
    const cart = (await getCart(token)).body;
    assert.equal(cart?.lines.length, 1);
    assert.equal(cart?.lines[0]?.quantity, 40);
    const quantities = answers.map((a) => a.body?.lines[0]?.quantity ?? 0).sort((a, b) => a - b);
    assert.deepEqual(
      quantities,
      Array.from({ length: 20 }, (_, i) => 2 * (i + 1)),
      'each add saw the ones before it',
    );
  });

  it('25 concurrent adds of 4 units never push a line over 99: 24 succeed, one is 409', async () => {
    const token = await world.userToken();
    const statuses = (await Promise.all(Array.from({ length: 25 }, () => add(token, 'LAMP-1', 4)))).map((a) => a.status);
    assert.equal(statuses.filter((s) => s === 200).length, 24, `statuses: ${statuses.join(' ')}`);
    assert.equal(statuses.filter((s) => s === 409).length, 1, `statuses: ${statuses.join(' ')}`);
    assert.equal((await getCart(token)).body?.lines[0]?.quantity, 96);
  });

  it('concurrent adds of 10 new products to a cart of 95 lines: 5 succeed, 5 are 409, the cart has 100 lines', async () => {
    const token = await world.userToken();
    for (const product of bulk.slice(0, 95)) await add(token, product.sku, 1);
    const statuses = (await Promise.all(bulk.slice(95, 105).map((product) => add(token, product.sku, 1)))).map((a) => a.status);
    assert.equal(statuses.filter((s) => s === 200).length, 5);
    assert.equal(statuses.filter((s) => s === 409).length, 5);
    assert.equal((await getCart(token)).body?.lines.length, 100);
  });
});

describe('GET /openapi.json', () => {
  it('documents the cart routes', async () => {
    const answer = await world.call('GET', '/openapi.json', { token: world.opsToken });
    assert.equal(answer.status, 200);
    const paths = Object.keys((answer.body as unknown as { paths: Record<string, unknown> }).paths);
    for (const path of ['/api/cart', '/api/cart/items', '/api/cart/items/{sku}', '/internal/carts/{userId}']) {
      assert.ok(paths.includes(path), `${path} in ${paths.join(', ')}`);
    }
  });
});
