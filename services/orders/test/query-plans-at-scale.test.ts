import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { PaymentAuthorized, PaymentCaptured, StockCommitted, StockReserved } from '@mercato/contracts';
import { consumerHandler, createLogger, DataCipher, Outbox, sql, transaction, uuidv7 } from '@mercato/kit';
import { assertReads, eventEnvelope, indexedPlansOf, type PlanRecordingDatabase, planRecordingDatabase } from '@mercato/kit/testing';
import { seedOrderHistory } from '../../../bench/lib/history/orders.ts';
import { ordersHandlers } from '../src/handlers.ts';
import { CheckoutSaga, shipOrder } from '../src/saga.ts';
import { SagaSweeper } from '../src/saga-sweeper.ts';
import { type OrderLine, type OrderRow, OrderStore } from '../src/store.ts';

// Issue 9: with ten times the order history, no statement on the order path reads a big table whole.
// The database holds 200,000 orders (and an idempotency key and a cart claim for each); every
// statement below is the store's own, run for real, and its plan is the one PostgreSQL chose for the
// parameters it was given (auto_explain, see @mercato/kit/testing's recordPlans).

const ORDERS = 200_000;
/** Shoppers in the history: 10 orders each on average. */
const USERS = 20_000;
/** The newest orders are still in their saga; the three before them missed their step's deadline. */
const IN_FLIGHT = 40;
const OVERDUE = 3;
/**
 * Deadlines of orders in flight, seeded and placed here (the default step timeout is 10 s): minutes, so
 * that on a busy machine no order but the OVERDUE ones is past its deadline when the sweeper looks.
 */
const STEP_TIMEOUT_MS = 10 * 60_000;

const log = createLogger({ service: 'orders', instance: 'test', level: 'silent' });
const cipher = new DataCipher([randomBytes(32).toString('base64')]);
const ADDRESS = { line1: '1 Market St', city: 'Springfield', postalCode: '12345', country: 'US' };
const LINES: OrderLine[] = [
  { sku: 'SKU-7', productId: randomUUID(), name: 'Mug', unitPrice: { amount: 1500, currency: 'USD' }, quantity: 2 },
];

let recorder: PlanRecordingDatabase;
let store: OrderStore;
let saga: CheckoutSaga;
let outbox: Outbox;

/**
 * The history (shared with the checkout bench's `--history`, bench/lib/history/orders.ts): orders
 * ~80 s apart over the last 200 days, ids UUIDv7 of their placing time (id order is time order, which
 * the lists rely on). Idempotency keys and cart claims are kept 48 h (the sweeper deletes older ones
 * hourly), so the 200,000 of them are spread over the last 49 h: the worst case of a shop taking every
 * order of its history in two days, and the hourly delete finds its oldest fiftieth.
 */
async function seed(): Promise<void> {
  const db = recorder.database.db;
  await seedOrderHistory(db, {
    orders: ORDERS,
    users: USERS,
    shippingAddressEnc: cipher.encrypt(JSON.stringify(ADDRESS)),
    keysOverHours: 49,
    inFlight: { orders: IN_FLIGHT, overdue: OVERDUE, stepTimeoutSeconds: STEP_TIMEOUT_MS / 1000 },
  });
  await sql`vacuum analyze`.execute(db);
}

/** What `placeOrder` (placement.ts) does with the database, minus the calls to cart and catalog. */
async function place(userId: string, key = randomUUID()): Promise<OrderRow> {
  assert.equal(await store.findKey(userId, key), undefined);
  const orderId = uuidv7();
  return transaction(store.db, async (tx) => {
    assert.equal(await store.claimKey(tx, userId, key, 'hash', orderId), undefined);
    assert.ok(await store.claimCart(tx, userId, `${randomUUID()}@1`, orderId));
    const order = await store.insert(tx, {
      id: orderId,
      userId,
      lines: LINES,
      currency: 'USD',
      subtotal: 3000,
      shipping: 499,
      shippingAddress: ADDRESS,
      paymentToken: 'tok_visa',
      stepDeadline: saga.deadline(),
    });
    await saga.start(tx, order, '');
    return order;
  });
}

before(async () => {
  recorder = await planRecordingDatabase('orders_plans', new URL('../src/migrations/', import.meta.url));
  outbox = new Outbox('orders');
  store = new OrderStore(recorder.database.db, cipher);
  saga = new CheckoutSaga(store, outbox, { stepTimeoutMs: STEP_TIMEOUT_MS, reservationTtlSeconds: 60 });
  await seed();
});

after(async () => {
  await recorder?.drop();
});

describe(`orders with ${ORDERS.toLocaleString('en')} orders in the history`, () => {
  it('placing an order and replaying its Idempotency-Key read keys, claims and orders through their keys', async (t) => {
    const userId = 'user-42';
    const { scans } = await indexedPlansOf(t, recorder, async () => {
      const key = randomUUID();
      const order = await place(userId, key);
      // The same key again while the first request runs: its claim conflicts and reads what the key holds.
      await transaction(store.db, async (tx) => {
        assert.equal((await store.claimKey(tx, userId, key, 'hash', uuidv7()))?.orderId, order.id);
      });
      // A retried request after it: the key answers, and the order it placed is read.
      assert.equal((await store.findKey(userId, key))?.orderId, order.id);
      await store.get(store.db, order.id);
    });
    assertReads(scans, 'idempotency_keys', 'idempotency_keys_pkey');
    assertReads(scans, 'orders', 'orders_pkey');
  });

  it("the saga's replies, each through the consumer's inbox, lock and update one order by its id", async (t) => {
    const order = await place('user-43');
    const handler = consumerHandler({ db: store.db, consumer: 'orders', subscription: ordersHandlers(saga)[0] ?? assert.fail(), log });
    const amount = { amount: order.total, currency: 'USD' };
    const { scans } = await indexedPlansOf(t, recorder, async () => {
      await handler.handleNow(
        eventEnvelope(StockReserved, order.id, {
          reservationId: order.id,
          lines: [{ sku: 'SKU-7', quantity: 2 }],
          expiresAt: new Date().toISOString(),
        }),
      );
      // Payments asks for the card token (GET /internal/payment-tokens/{id}) right before authorizing.
      assert.equal(await store.paymentTokenFor(order.id), 'tok_visa');
      await handler.handleNow(
        eventEnvelope(PaymentAuthorized, order.id, { orderId: order.id, paymentId: randomUUID(), amount, brand: 'visa', last4: '4242' }),
      );
      await handler.handleNow(eventEnvelope(StockCommitted, order.id, { reservationId: order.id }));
      await handler.handleNow(eventEnvelope(PaymentCaptured, order.id, { orderId: order.id, paymentId: randomUUID(), amount }));
    });
    assert.equal((await store.get(store.db, order.id))?.status, 'confirmed');
    assertReads(scans, 'orders', 'orders_pkey');
  });

  it("a shopper's orders, an admin's lists, a cancel and a shipment read one page or one order through an index", async (t) => {
    const shopper = 'user-7';
    const toCancel = await place(shopper);
    const { scans } = await indexedPlansOf(t, recorder, async () => {
      // Every shopper of the history has 10 orders: pages of 5 make a first page and a next one.
      const first = await store.listByUser(shopper, 5, undefined);
      assert.ok(first.lastId, 'the shopper has more than a page of orders');
      await store.listByUser(shopper, 5, first.lastId);
      const pending = await store.listAll('pending', 20, undefined);
      assert.ok(pending.items.length > 0);
      const all = await store.listAll(undefined, 20, undefined);
      await store.listAll('shipped', 20, all.lastId ?? undefined);
      // POST /api/orders/{id}/cancel (orders.routes.ts): lock, cancel, read back.
      await transaction(store.db, async (tx) => {
        const current = (await store.get(tx, toCancel.id, true)) ?? assert.fail();
        assert.ok(await saga.cancel(tx, current, 'customer_request', ''));
        await store.get(tx, toCancel.id);
      });
      // POST /api/admin/orders/{id}/ship (admin.routes.ts) on a confirmed order of the history.
      const confirmed = (await store.listAll('confirmed', 1, undefined)).items[0] ?? assert.fail();
      await transaction(store.db, async (tx) => {
        const current = (await store.get(tx, confirmed.id, true)) ?? assert.fail();
        assert.ok(await shipOrder(tx, { store, outbox }, current, { carrier: 'UPS', trackingNumber: '1Z1' }, ''));
      });
    });
    assertReads(scans, 'orders', 'orders_by_user');
    assertReads(scans, 'orders', 'orders_by_status');
    assertReads(scans, 'orders', 'orders_pkey');
  });

  it('the saga sweeper finds overdue orders by their deadline and forgets old keys and claims by their age', async (t) => {
    const sweeper = new SagaSweeper(store, saga, log);
    const { scans } = await indexedPlansOf(t, recorder, () => sweeper.sweep());
    const { rows } = await sql<{ n: string }>`select count(*) as n from orders where pending_reason = 'expired'`.execute(store.db);
    assert.equal(Number(rows[0]?.n), OVERDUE, 'the overdue orders are being cancelled');
    assertReads(scans, 'orders', 'orders_in_flight');
    assertReads(scans, 'idempotency_keys', 'idempotency_keys_by_age');
    assertReads(scans, 'cart_claims', 'cart_claims_by_age');
  });

  it("each scrape's oldest step age (mercato_saga_oldest_step_age_seconds) reads the orders in flight through orders_in_flight", async (t) => {
    let age = -1;
    const { scans } = await indexedPlansOf(t, recorder, async () => {
      age = await store.oldestStepAgeSeconds();
    });
    assert.ok(age >= 0, `an age in seconds (${age})`);
    assertReads(scans, 'orders', 'orders_in_flight');
  });
});
