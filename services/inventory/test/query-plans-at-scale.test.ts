import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CommitStock, ReleaseStock, ReserveStock } from '@mercato/contracts';
import { consumerHandler, createLogger, Outbox, sql, transaction } from '@mercato/kit';
import { assertReads, eventEnvelope, indexedPlansOf, type PlanRecordingDatabase, planRecordingDatabase } from '@mercato/kit/testing';
import { seedReservationHistory } from '../../../bench/lib/history/inventory.ts';
import { inventoryHandlers } from '../src/handlers.ts';
import { ReservationSweeper } from '../src/reservation-sweeper.ts';
import { InventoryStore } from '../src/store.ts';

// Issue 9: with ten times the order history, no statement on the order path reads a big table whole.
// Inventory holds a reservation per order of the history (200,000) with its lines (300,000) over a
// stock of 5,000 SKUs; every statement below is the store's own, run for real through the saga's
// commands and the sweeper, and its plan is the one PostgreSQL chose for the parameters it was given
// (auto_explain, see @mercato/kit/testing's recordPlans).

const RESERVATIONS = 200_000;
const SKUS = 5_000;
/** The newest reservations are held for orders in flight; the three before them are past their deadline. */
const HELD = 40;
const EXPIRED = 3;
/** Five units left. */
const SCARCE = 'SKU-9';

const log = createLogger({ service: 'inventory', instance: 'test', level: 'silent' });

let recorder: PlanRecordingDatabase;
let store: InventoryStore;

/**
 * The history (shared with the checkout bench's `--history`, bench/lib/history/inventory.ts):
 * reservations ~80 s apart over 200 days, committed but for the odd released, expired and failed
 * one, one or two lines each; the newest HELD held, the EXPIRED before them past their deadline.
 */
async function seed(): Promise<void> {
  const db = recorder.database.db;
  await seedReservationHistory(db, { reservations: RESERVATIONS, skus: SKUS, inFlight: { held: HELD, expired: EXPIRED } });
  // One SKU nearly sold out, for a reservation that fails.
  await sql`update stock set on_hand = reserved + 5 where sku = ${SCARCE}`.execute(db);
  await sql`vacuum analyze`.execute(db);
}

before(async () => {
  recorder = await planRecordingDatabase('inventory_plans', new URL('../src/migrations/', import.meta.url));
  store = new InventoryStore(recorder.database.db, new Outbox('inventory'));
  await seed();
});

after(async () => {
  await recorder?.drop();
});

describe(`inventory with ${RESERVATIONS.toLocaleString('en')} reservations in the history`, () => {
  it("the saga's reserve, commit and release commands find reservations, their lines and stock by key", async (t) => {
    const handler = consumerHandler({
      db: store.db,
      consumer: 'inventory',
      subscription: inventoryHandlers(store, 120)[0] ?? assert.fail(),
      log,
    });
    const id = randomUUID();
    const short = randomUUID();
    const lines = [
      { sku: 'SKU-17', quantity: 2 },
      { sku: 'SKU-4242', quantity: 1 },
    ];
    const { scans } = await indexedPlansOf(t, recorder, async () => {
      await handler.handleNow(eventEnvelope(ReserveStock, id, { reservationId: id, lines, ttlSeconds: 60 }));
      // A redelivered command under another event id answers the first outcome (the idempotent path).
      await handler.handleNow(eventEnvelope(ReserveStock, id, { reservationId: id, lines, ttlSeconds: 60 }));
      // Too little stock: the lines roll back to the savepoint and the reservation is recorded as failed.
      await handler.handleNow(
        eventEnvelope(ReserveStock, short, { reservationId: short, lines: [{ sku: SCARCE, quantity: 6 }, ...lines] }),
      );
      await handler.handleNow(eventEnvelope(CommitStock, id, { reservationId: id }));
      // An order cancelled after confirmation: its committed units go back on hand.
      await handler.handleNow(eventEnvelope(ReleaseStock, id, { reservationId: id }));
      // Orders may also reserve and release over HTTP (reservations.routes.ts): the same store methods.
      await transaction(store.db, (tx) => store.release(tx, short));
    });
    assert.equal((await transaction(store.db, (tx) => store.reservation(tx, id)))?.status, 'released');
    assert.equal((await transaction(store.db, (tx) => store.reservation(tx, short)))?.status, 'failed');
    assertReads(scans, 'reservations', 'reservations_pkey');
    assertReads(scans, 'reservation_lines', 'reservation_lines_pkey');
    assertReads(scans, 'stock', 'stock_pkey');
  });

  it('the reservation sweeper finds the held reservations past their deadline by that deadline', async (t) => {
    const sweeper = new ReservationSweeper(store, log);
    let expired = 0;
    const { scans } = await indexedPlansOf(t, recorder, async () => {
      expired = await sweeper.sweep();
    });
    assert.equal(expired, EXPIRED);
    assertReads(scans, 'reservations', 'reservations_held_by_deadline');
  });

  it("a shopper's stock lookup and staff's stock pages read stock by SKU", async (t) => {
    const { scans } = await indexedPlansOf(t, recorder, async () => {
      assert.equal((await store.available(['SKU-1', 'SKU-2', 'SKU-3'])).length, 3);
      const first = await store.stockPage({ limit: 50 });
      await store.stockPage({ limit: 50, after: first.lastSku ?? assert.fail() });
      await store.stockPage({ limit: 50, skus: ['SKU-10', 'SKU-11'] });
      await transaction(store.db, (tx) => store.setOnHand(tx, 'SKU-12', 500));
    });
    assertReads(scans, 'stock', 'stock_pkey');
  });
});
