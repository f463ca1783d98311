import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connectDatabase, type Database, migrate, Outbox, transaction } from '@mercato/kit';
import { createTestDatabase, type TestDatabase } from '@mercato/kit/testing';
import { CartStore } from '../src/store.ts';

/**
 * The first adds to a cart that does not exist yet, at the same time (a double click, two tabs, the
 * concurrent adds of cart.test.ts), each create the cart row or find it. Two of them racing inside that
 * one INSERT is a matter of microseconds, so the test makes many new carts, several at a time, with a
 * few first adds each: before migration 0002, about one round in twenty lost an add to a unique
 * violation on carts.user_id (a 500 from POST /api/cart/items).
 */
const ROUNDS = 150;
const CARTS_AT_ONCE = 4;
const ADDS_PER_CART = 3;

let testDb: TestDatabase;
let database: Database<unknown>;
let store: CartStore;

before(async () => {
  testDb = await createTestDatabase('cart_new_cart_races');
  database = connectDatabase(testDb.url, { max: CARTS_AT_ONCE * ADDS_PER_CART });
  await migrate(database.db, new URL('../src/migrations/', import.meta.url));
  store = new CartStore(database.db, 'USD', new Outbox('cart'));
});
after(async () => {
  await database?.close();
  await testDb?.drop();
});

describe('a new cart', () => {
  it('first adds at the same time to a cart that does not exist yet all go in: none fails on creating the cart', async () => {
    const product = { sku: 'MUG-1', productId: randomUUID(), name: 'Mug', price: { amount: 1000, currency: 'USD' } };
    const failures = new Map<string, number>();
    for (let round = 0; round < ROUNDS; round++) {
      const lookedUpAt = await store.clock();
      const users = Array.from({ length: CARTS_AT_ONCE }, () => randomUUID());
      const outcomes = await Promise.allSettled(
        users.flatMap((userId) =>
          Array.from({ length: ADDS_PER_CART }, () =>
            transaction(database.db, (tx) => store.addItem(tx, { userId, product, quantity: 1, lookedUpAt })),
          ),
        ),
      );
      for (const outcome of outcomes) {
        const result = outcome.status === 'fulfilled' ? outcome.value : String((outcome.reason as Error).message);
        if (result !== 'added') failures.set(result, (failures.get(result) ?? 0) + 1);
      }
    }
    assert.deepEqual(Object.fromEntries(failures), {});
    const { rows } = await database.pool.query<{ carts: string; units: string }>(
      'select (select count(*) from carts) as carts, (select sum(quantity) from cart_lines) as units',
    );
    assert.deepEqual(rows[0], { carts: String(ROUNDS * CARTS_AT_ONCE), units: String(ROUNDS * CARTS_AT_ONCE * ADDS_PER_CART) });
  });
});
