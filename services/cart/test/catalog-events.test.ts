import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Outbox, transaction } from '@mercato/kit';
import { waitFor } from '@mercato/kit/testing';
import { CartStore } from '../src/store.ts';
import { type CartWorld, startCartWorld } from './harness.ts';

let world: CartWorld;
let store: CartStore;

const usd = (amount: number) => ({ amount, currency: 'USD' });
const add = (token: string, sku: string, quantity: number) => world.call('POST', '/api/cart/items', { token, body: { sku, quantity } });
const getCart = (token: string) => world.call('GET', '/api/cart', { token });
const lineOf = async (token: string, sku: string) => (await getCart(token)).body?.lines.find((line) => line.sku === sku);

before(async () => {
  world = await startCartWorld('cart_events');
  store = new CartStore(world.cartDb, 'USD', new Outbox('cart'));
});
after(() => world.close());

describe('catalog events on the bus', () => {
  it('a price change in the catalog reaches every cart holding the product, totals included', async () => {
    const kettle = await world.createProduct({ slug: 'kettle', name: 'Kettle', sku: 'KETTLE-1', price: usd(3000) });
    const other = await world.createProduct({ slug: 'teapot', name: 'Teapot', sku: 'TEAPOT-1', price: usd(2000) });
    const ada = await world.userToken();
    const bob = await world.userToken();
    await add(ada, 'KETTLE-1', 2);
    await add(ada, 'TEAPOT-1', 1);
    await add(bob, 'KETTLE-1', 1);

    const patched = await world.catalogAdmin('PATCH', `/api/products/${kettle.id}`, { price: usd(2500) });
    assert.equal(patched.status, 200);

    await waitFor(
      'the new price in both carts',
      async () => (await lineOf(ada, 'KETTLE-1'))?.unitPrice.amount === 2500 && (await lineOf(bob, 'KETTLE-1'))?.unitPrice.amount === 2500,
      20_000,
    );
    const cart = (await getCart(ada)).body;
    assert.deepEqual(cart?.lines, [
      { sku: 'KETTLE-1', productId: kettle.id, name: 'Kettle', unitPrice: usd(2500), quantity: 2, lineTotal: usd(5000) },
      { sku: 'TEAPOT-1', productId: other.id, name: 'Teapot', unitPrice: usd(2000), quantity: 1, lineTotal: usd(2000) },
    ]);
    assert.deepEqual(cart?.subtotal, usd(7000));
  });

  it('a renamed product shows its new name in carts', async () => {
    const pan = await world.createProduct({ slug: 'pan', name: 'Pan', sku: 'PAN-1' });
    const token = await world.userToken();
    await add(token, 'PAN-1', 1);
    await world.catalogAdmin('PATCH', `/api/products/${pan.id}`, { name: 'Cast-iron pan' });
    await waitFor('the new name', async () => (await lineOf(token, 'PAN-1'))?.name === 'Cast-iron pan', 20_000);
  });

  it('an archived product leaves every cart, and cannot be added again', async () => {
    const whisk = await world.createProduct({ slug: 'whisk', name: 'Whisk', sku: 'WHISK-1' });
    await world.createProduct({ slug: 'ladle', name: 'Ladle', sku: 'LADLE-1' });
    const token = await world.userToken();
    await add(token, 'WHISK-1', 3);
    await add(token, 'LADLE-1', 1);
    assert.equal((await world.catalogAdmin('DELETE', `/api/products/${whisk.id}`)).status, 204);
    await waitFor('the line to leave the cart', async () => (await lineOf(token, 'WHISK-1')) === undefined, 20_000);
    const cart = (await getCart(token)).body;
    assert.deepEqual(
      cart?.lines.map((line) => line.sku),
      ['LADLE-1'],
    );
    assert.equal(cart?.itemCount, 1);
    assert.equal((await add(token, 'WHISK-1', 1)).status, 404);
  });
});

describe('an add and a catalog event at the same time', () => {
  const product = (id: string, amount: number): Parameters<CartStore['addItem']>[1]['product'] => ({
    sku: `RACE-${amount}`,
    productId: id,
    name: 'Racing mug',
    price: usd(amount),
  });

  it('an event handled after the add asked the catalog wins over the older answer it got', async () => {
    const userId = `racer-${Date.now()}`;
    const productId = '01900000-0000-7000-8000-000000000001';
    const lookedUpAt = await store.clock();
    // The catalog answered 1000; then, before the add writes, the price-change event is handled.
    await transaction(world.cartDb, (tx) => store.applyCatalogChange(tx, { productId, price: usd(900) }));
    const outcome = await transaction(world.cartDb, (tx) =>
      store.addItem(tx, { userId, product: product(productId, 1000), quantity: 1, lookedUpAt }),
    );
    assert.equal(outcome, 'added');
    assert.deepEqual((await store.view(world.cartDb, userId)).lines[0]?.unitPrice, usd(900));
  });

  it("an event handled before the add asked the catalog leaves the catalog's answer", async () => {
    const userId = `racer-${Date.now()}-2`;
    const productId = '01900000-0000-7000-8000-000000000002';
    await transaction(world.cartDb, (tx) => store.applyCatalogChange(tx, { productId, price: usd(500) }));
    const lookedUpAt = await store.clock();
    await transaction(world.cartDb, (tx) => store.addItem(tx, { userId, product: product(productId, 700), quantity: 1, lookedUpAt }));
    assert.deepEqual((await store.view(world.cartDb, userId)).lines[0]?.unitPrice, usd(700));
  });

  it('an archive handled while an add is in flight refuses the add', async () => {
    const userId = `racer-${Date.now()}-3`;
    const productId = '01900000-0000-7000-8000-000000000003';
    const lookedUpAt = await store.clock();
    await transaction(world.cartDb, (tx) => store.applyCatalogChange(tx, { productId, archived: true }));
    const outcome = await transaction(world.cartDb, (tx) =>
      store.addItem(tx, { userId, product: product(productId, 800), quantity: 1, lookedUpAt }),
    );
    assert.equal(outcome, 'unknown_sku');
    assert.deepEqual((await store.view(world.cartDb, userId)).lines, []);
  });
});

describe('when the catalog cannot be reached', () => {
  // Last: it takes the catalog down for good.
  it('an add is 503 problem+json with Retry-After, and the cart is unchanged; reading the cart still works', async () => {
    await world.createProduct({ slug: 'sieve', sku: 'SIEVE-1' });
    const token = await world.userToken();
    await add(token, 'SIEVE-1', 1);
    const before = (await getCart(token)).body;
    // Gone without deregistering: the registry still lists it, its port refuses connections.
    world.catalog.app.server.closeAllConnections();
    world.catalog.app.server.close();
    for (let i = 0; i < 3; i++) {
      const answer = await add(token, 'SIEVE-1', 1);
      assert.equal(answer.status, 503);
      assert.match(String(answer.headers['content-type']), /^application\/problem\+json/);
      assert.ok(Number(answer.headers['retry-after']) >= 1);
      assert.equal(answer.body?.type, 'https://mercato.dev/problems/service-unavailable');
    }
    const after = await getCart(token);
    assert.equal(after.status, 200);
    assert.deepEqual(after.body, before);
    assert.equal((await world.call('PATCH', '/api/cart/items/SIEVE-1', { token, body: { quantity: 2 } })).status, 200);
  });
});
