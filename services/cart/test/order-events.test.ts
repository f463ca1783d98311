import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type CatalogProduct, type EventData, type EventEnvelope, OrderCancelled } from '@mercato/contracts';
import { sql } from '@mercato/kit';
import { waitFor } from '@mercato/kit/testing';
import { type CartWorld, startCartWorld } from './harness.ts';

// The cart consumes orders' cancellations: after a declined or failed payment the order's lines go
// back into its owner's cart (API.md, "Orders and checkout"). The events are published on the bus as
// orders publishes them; the cart is read through its API.

let world: CartWorld;

type Cancelled = EventData<typeof OrderCancelled>;
type Line = NonNullable<Cancelled['lines']>[number];
type Reason = Cancelled['reason'];

const usd = (amount: number) => ({ amount, currency: 'USD' });
/** A catalog slug is lower-case words joined by hyphens. */
const slugOf = (reason: string) => reason.replaceAll('_', '-');
const lineOf = (product: Pick<CatalogProduct, 'sku' | 'id' | 'name' | 'price'>, quantity: number): Line => ({
  sku: product.sku,
  productId: product.id,
  name: product.name,
  unitPrice: product.price,
  quantity,
});

/** A shopper: a user id and their token. */
async function shopper() {
  const userId = randomUUID();
  return { userId, token: await world.userToken(userId) };
}

const getCart = async (token: string) => {
  const answer = await world.call('GET', '/api/cart', { token });
  assert.equal(answer.status, 200);
  return answer.body ?? assert.fail('no cart');
};

/** Publishes orders' cancellation of a new order (the subject is its id) and waits until the cart has handled it. */
async function cancel(userId: string, reason: Reason, lines: Line[] | undefined, orderId = randomUUID()): Promise<EventEnvelope> {
  const data: Cancelled = lines ? { orderId, userId, reason, lines } : { orderId, userId, reason };
  const event = await world.publish(OrderCancelled, orderId, data);
  await waitFor(`the cart to handle ${reason} of ${orderId}`, () => world.handled(event.id), 20_000);
  return event;
}

before(async () => {
  world = await startCartWorld('cart_orders');
});
after(() => world.close());

describe('an order cancelled after its payment failed', () => {
  for (const reason of ['payment_declined', 'payment_failed'] as const) {
    it(`${reason}: the order's lines come back into the owner's empty cart, with their names and prices`, async () => {
      const kettle = await world.createProduct({ slug: `kettle-${slugOf(reason)}`, name: 'Kettle', price: usd(3000) });
      const mug = await world.createProduct({ slug: `mug-${slugOf(reason)}`, name: 'Mug', price: usd(800) });
      const { userId, token } = await shopper();

      await cancel(userId, reason, [lineOf(kettle, 1), lineOf(mug, 4)]);

      const cart = await getCart(token);
      assert.deepEqual(cart.lines, [
        { sku: kettle.sku, productId: kettle.id, name: 'Kettle', unitPrice: usd(3000), quantity: 1, lineTotal: usd(3000) },
        { sku: mug.sku, productId: mug.id, name: 'Mug', unitPrice: usd(800), quantity: 4, lineTotal: usd(3200) },
      ]);
      assert.deepEqual(cart.subtotal, usd(6200));
      assert.equal(cart.itemCount, 5);
    });
  }

  it('the lines add to what the cart holds now: a SKU already there gets the units, a new one comes after', async () => {
    const pan = await world.createProduct({ slug: 'pan', name: 'Pan', price: usd(4500) });
    const lid = await world.createProduct({ slug: 'lid', name: 'Lid', price: usd(900) });
    const { userId, token } = await shopper();
    assert.equal((await world.call('POST', '/api/cart/items', { token, body: { sku: pan.sku, quantity: 2 } })).status, 200);

    await cancel(userId, 'payment_declined', [lineOf(pan, 3), lineOf(lid, 1)]);

    assert.deepEqual(
      (await getCart(token)).lines.map((line) => [line.sku, line.quantity]),
      [
        [pan.sku, 5],
        [lid.sku, 1],
      ],
    );
  });

  it("within the cart's limits: a line over 99 is capped at 99, a 101st line is left out, and the event is not dead-lettered", async () => {
    const { userId, token } = await shopper();
    const product = (i: number) => ({ sku: `FULL-${i}`, id: randomUUID(), name: `Item ${i}`, price: usd(100 + i) });
    const hundred = Array.from({ length: 100 }, (_, i) => product(i));
    // The cart fills through the same path: a first order of exactly 100 lines fits.
    await cancel(userId, 'payment_failed', [lineOf(hundred[0] ?? assert.fail(), 90), ...hundred.slice(1).map((p) => lineOf(p, 1))]);
    assert.equal((await getCart(token)).lines.length, 100);

    const extra = product(100);
    const event = await cancel(userId, 'payment_declined', [lineOf(hundred[0] ?? assert.fail(), 20), lineOf(extra, 1)]);

    const cart = await getCart(token);
    assert.equal(cart.lines.length, 100);
    assert.equal(cart.lines[0]?.quantity, 99, 'capped at 99, not 110');
    assert.equal(
      cart.lines.find((line) => line.sku === extra.sku),
      undefined,
      'the 101st line is left out',
    );
    assert.equal(cart.itemCount, 99 + 99);
    const { rows } = await sql`select 1 from mercato_dead_letters where event_id = ${event.id}`.execute(world.cartDb);
    assert.equal(rows.length, 0);
  });

  it('a product archived since the order was placed is not put back; the others are', async () => {
    const whisk = await world.createProduct({ slug: 'whisk', name: 'Whisk', price: usd(700) });
    const bowl = await world.createProduct({ slug: 'bowl', name: 'Bowl', price: usd(1200) });
    // Someone else holds the whisk: its leaving their cart shows the cart has handled the archive.
    const witness = await shopper();
    await world.call('POST', '/api/cart/items', { token: witness.token, body: { sku: whisk.sku, quantity: 1 } });
    assert.equal((await world.catalogAdmin('DELETE', `/api/products/${whisk.id}`)).status, 204);
    await waitFor('the archive to reach the cart', async () => (await getCart(witness.token)).lines.length === 0, 20_000);
    const { userId, token } = await shopper();

    await cancel(userId, 'payment_declined', [lineOf(whisk, 2), lineOf(bowl, 1)]);

    assert.deepEqual(
      (await getCart(token)).lines.map((line) => [line.sku, line.quantity]),
      [[bowl.sku, 1]],
    );
  });

  it('the same event delivered twice adds once', async () => {
    const jug = await world.createProduct({ slug: 'jug', name: 'Jug', price: usd(1100) });
    const { userId, token } = await shopper();
    const orderId = randomUUID();
    const event = await cancel(userId, 'payment_declined', [lineOf(jug, 2)], orderId);
    assert.equal((await getCart(token)).itemCount, 2);

    // Again with its id, as a relay that crashed before marking it sent would hand it over; then one
    // more event of the same subject, which the bus delivers only after the copy was handled.
    const next = { ...event, id: randomUUID(), data: { orderId, userId, reason: 'customer_request' } };
    await world.republish(event, next);
    await waitFor('the copy and the next event to be handled', () => world.handled(next.id), 20_000);

    assert.deepEqual(
      (await getCart(token)).lines.map((line) => [line.sku, line.quantity]),
      [[jug.sku, 2]],
    );
  });
});

describe('other cancellations leave the cart alone', () => {
  for (const reason of ['customer_request', 'out_of_stock', 'expired'] as const) {
    it(`${reason}: the cart is unchanged`, async () => {
      const spoon = await world.createProduct({ slug: `spoon-${slugOf(reason)}`, name: 'Spoon', price: usd(300) });
      const fork = await world.createProduct({ slug: `fork-${slugOf(reason)}`, name: 'Fork', price: usd(300) });
      const { userId, token } = await shopper();
      await world.call('POST', '/api/cart/items', { token, body: { sku: spoon.sku, quantity: 1 } });
      const before = await getCart(token);

      await cancel(userId, reason, [lineOf(spoon, 2), lineOf(fork, 1)]);

      assert.deepEqual(await getCart(token), before);
    });
  }

  it('a cancellation published before the event carried lines puts nothing back, and is not an error', async () => {
    const { userId, token } = await shopper();
    const event = await cancel(userId, 'payment_declined', undefined);
    assert.deepEqual((await getCart(token)).lines, []);
    const { rows } = await sql`select 1 from mercato_dead_letters where event_id = ${event.id}`.execute(world.cartDb);
    assert.equal(rows.length, 0);
  });
});
