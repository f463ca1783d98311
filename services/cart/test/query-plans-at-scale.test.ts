import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { OrderCancelled, PriceChanged, ProductDeleted } from '@mercato/contracts';
import { consumerHandler, createLogger, Outbox, sql, transaction } from '@mercato/kit';
import { assertReads, eventEnvelope, indexedPlansOf, type PlanRecordingDatabase, planRecordingDatabase } from '@mercato/kit/testing';
import { cartHandlers } from '../src/handlers.ts';
import { CartStore } from '../src/store.ts';

// Issue 9: with ten times the order history, no statement on the order path reads a big table whole.
// The cart's tables do not keep history (a placed order empties its cart), but abandoned carts pile
// up: 100,000 of them with 250,000 lines over 5,000 products, and the catalog's changes to 5,000
// products. Every statement below is the store's own, run for real through the routes' store calls
// and the consumer's handlers, and its plan is the one PostgreSQL chose for the parameters it was
// given (auto_explain, see @mercato/kit/testing's recordPlans).

const CARTS = 100_000;
const PRODUCTS = 5_000;

const log = createLogger({ service: 'cart', instance: 'test', level: 'silent' });

let recorder: PlanRecordingDatabase;
let store: CartStore;

/** The seeded product `n`'s id, as the seed makes it (md5 of its name, as a uuid). */
function productIdOf(n: number): string {
  const hex = createHash('md5').update(`product${n}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
const productOf = (n: number) => ({
  sku: `SKU-${n}`,
  productId: productIdOf(n),
  name: `Product ${n}`,
  price: { amount: 1500 + n, currency: 'USD' },
});

/** Carts left over the last 60 days with two or three lines each; every product changed once since. */
async function seed(): Promise<void> {
  await transaction(recorder.database.db, async (tx) => {
    // The rows are consistent by construction: skip the foreign key checks of 250,000 lines (seconds).
    await sql`set local session_replication_role = replica`.execute(tx);
    await sql`
      insert into carts (id, user_id, created_at, updated_at)
      select md5('cart' || i)::uuid, 'abandoned-' || i, at, at
      from (select i, now() - (${CARTS} - i) * interval '52 seconds' as at from generate_series(1, ${CARTS}) i) history`.execute(tx);
    await sql`
      insert into cart_lines (cart_id, sku, product_id, name, unit_amount, currency, quantity, added_at)
      select md5('cart' || i)::uuid, 'SKU-' || n, md5('product' || n)::uuid, 'Product ' || n, 1500 + n, 'USD', 1 + (i + line) % 3,
             now() - (${CARTS} - i) * interval '52 seconds'
      from generate_series(1, ${CARTS}) i, generate_series(0, 2) line, lateral (select (i * 7 + line * 13) % ${PRODUCTS} as n) product
      where line < 2 or i % 2 = 0`.execute(tx);
    await sql`
      insert into catalog_products (product_id, name, unit_amount, currency, changed_at)
      select md5('product' || n)::uuid, 'Product ' || n, 1500 + n, 'USD', now() - interval '1 day'
      from generate_series(0, ${PRODUCTS - 1}) n`.execute(tx);
  });
  await sql`vacuum analyze`.execute(recorder.database.db);
}

before(async () => {
  recorder = await planRecordingDatabase('cart_plans', new URL('../src/migrations/', import.meta.url));
  store = new CartStore(recorder.database.db, 'USD', new Outbox('cart'));
  await seed();
});

after(async () => {
  await recorder?.drop();
});

describe(`the cart with ${CARTS.toLocaleString('en')} abandoned carts`, () => {
  it("a shopper's adds, changes and the order's read and emptying of the cart find it and its lines by the cart's key", async (t) => {
    const userId = `shopper-${randomUUID()}`;
    const { scans } = await indexedPlansOf(t, recorder, async () => {
      // POST /api/cart/items (cart.routes.ts): the clock, then the add and the cart as it now is.
      for (const n of [17, 4242, 17]) {
        const lookedUpAt = await store.clock();
        await transaction(store.db, async (tx) => {
          assert.equal(await store.addItemAndPublish(tx, { userId, product: productOf(n), quantity: 1, lookedUpAt }), 'added');
          await store.view(tx, userId);
        });
      }
      await transaction(store.db, async (tx) => {
        assert.ok(await store.setQuantity(tx, userId, 'SKU-17', 3));
        assert.ok(await store.removeLine(tx, userId, 'SKU-4242'));
      });
      // Orders reads the cart with its revision (GET /internal/carts/{userId}) and empties it once placed.
      const cart = await store.view(store.db, userId, { revision: true });
      assert.equal(cart.lines.length, 1);
      await transaction(store.db, (tx) => store.clear(tx, userId));
    });
    assertReads(scans, 'carts', 'carts_pkey');
    assertReads(scans, 'cart_lines', 'cart_lines_pkey');
    assertReads(scans, 'catalog_products', 'catalog_products_pkey');
  });

  it("catalog events find a product's lines in every cart by product, and a cancelled order's lines go back by the cart's key", async (t) => {
    const handler = consumerHandler({ db: store.db, consumer: 'cart', subscription: cartHandlers(store)[0] ?? assert.fail(), log });
    const userId = `shopper-${randomUUID()}`;
    const changed = productOf(101);
    const archived = productOf(202);
    const restored = productOf(303);
    const { scans } = await indexedPlansOf(t, recorder, async () => {
      await handler.handleNow(
        eventEnvelope(PriceChanged, changed.productId, {
          productId: changed.productId,
          sku: changed.sku,
          price: { amount: 999, currency: 'USD' },
        }),
      );
      await handler.handleNow(eventEnvelope(ProductDeleted, archived.productId, { productId: archived.productId, sku: archived.sku }));
      // A declined payment: the order's lines go back into its owner's cart.
      const orderId = randomUUID();
      await handler.handleNow(
        eventEnvelope(OrderCancelled, orderId, {
          orderId,
          userId,
          reason: 'payment_declined',
          lines: [{ sku: restored.sku, productId: restored.productId, name: restored.name, unitPrice: restored.price, quantity: 2 }],
        }),
      );
    });
    const { rows } = await sql<{
      n: string;
    }>`select count(*) as n from cart_lines where product_id = ${changed.productId} and unit_amount = 999`.execute(store.db);
    assert.ok(Number(rows[0]?.n) > 0, 'the new price reached the carts');
    assert.equal((await store.view(store.db, userId)).lines.length, 1);
    assertReads(scans, 'cart_lines', 'cart_lines_by_product');
  });
});
