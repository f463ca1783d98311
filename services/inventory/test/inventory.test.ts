import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CommitStock,
  ReleaseStock,
  ReserveStock,
  StockCommitFailed,
  StockCommitted,
  StockLow,
  StockReleased,
  StockReservationFailed,
  StockReserved,
} from '@mercato/contracts';
import { createService, type Service, sql } from '@mercato/kit';
import {
  createTestDatabase,
  createTestIssuer,
  injectJson,
  type Observer,
  startObserver,
  type TestDatabase,
  waitFor,
} from '@mercato/kit/testing';
import { inventoryDefinition } from '../src/app.ts';

let database: TestDatabase;
let busDatabase: TestDatabase;
let inventory: Service;
let observer: Observer;
let admin: string;
let customer: string;
let saga: string;

const call = (method: 'GET' | 'PUT' | 'POST', url: string, token?: string, body?: unknown) =>
  injectJson(inventory.app, method, url, { token, body });

const stock = async (sku: string) =>
  (
    await sql<{ on_hand: number; reserved: number }>`select on_hand, reserved from stock where sku = ${sku}`.execute(
      inventory.context.database?.db ?? assert.fail(),
    )
  ).rows[0];

before(async () => {
  database = await createTestDatabase('inventory');
  busDatabase = await createTestDatabase('inventory_bus');
  const issuer = await createTestIssuer();
  // Another service on the same bus: it sends the saga's commands and records what inventory announces.
  observer = await startObserver({
    label: 'inventory',
    busUrl: busDatabase.url,
    events: [StockReserved, StockReservationFailed, StockLow, StockCommitted, StockCommitFailed, StockReleased],
  });
  inventory = await createService(
    { ...inventoryDefinition(), jwks: () => issuer.jwks },
    { LOG_LEVEL: 'silent', INVENTORY_DATABASE_URL: database.url, INVENTORY_SWEEP_INTERVAL_MS: '60000', BUS_DATABASE_URL: busDatabase.url },
  );
  await inventory.start();
  admin = await issuer.userToken(['admin', 'customer']);
  customer = await issuer.userToken();
  saga = await issuer.serviceToken('orders', 'inventory');
});
after(async () => {
  await inventory.stop();
  await observer.stop();
  await database.drop();
  await busDatabase.drop();
});

const seen = (type: string) => observer.count(type);

/** Reservations refused out of stock so far, as inventory's /metrics counts them. */
async function outOfStockFailures(): Promise<number> {
  const metric = inventory.context.metrics.registry.getSingleMetric('mercato_inventory_reservation_failures_total') ?? assert.fail();
  return (await metric.get()).values.find((v) => v.labels.reason === 'out_of_stock')?.value ?? 0;
}

describe('stock', () => {
  it('an admin sets on hand; availability is on hand minus reserved', async () => {
    const set = await call('PUT', '/api/inventory/SKU-A', admin, { onHand: 10 });
    assert.equal(set.status, 200);
    assert.deepEqual(set.body, { sku: 'SKU-A', onHand: 10, reserved: 0, available: 10 });
    assert.deepEqual((await call('GET', '/api/inventory/SKU-A', saga)).body, { sku: 'SKU-A', available: 10 });
  });

  it('a customer may not set stock (403); bad bodies are 400; unknown SKUs 404 and left out of lists', async () => {
    assert.equal((await call('PUT', '/api/inventory/SKU-A', customer, { onHand: 1 })).status, 403);
    assert.equal((await call('PUT', '/api/inventory/SKU-A', admin, { onHand: -1 })).status, 400);
    assert.equal((await call('GET', '/api/inventory/NOPE', saga)).status, 404);
    await call('PUT', '/api/inventory/SKU-B', admin, { onHand: 3 });
    assert.deepEqual((await call('GET', '/api/inventory?skus=SKU-A,NOPE,SKU-B', saga)).body, {
      items: [
        { sku: 'SKU-A', available: 10 },
        { sku: 'SKU-B', available: 3 },
      ],
    });
    const many = Array.from({ length: 101 }, (_, i) => `S${i}`).join(',');
    assert.equal((await call('GET', `/api/inventory?skus=${many}`, saga)).status, 400);
  });

  it('refuses to set on hand below what is reserved with 409', async () => {
    await call('PUT', '/api/inventory/SKU-R', admin, { onHand: 5 });
    await call('POST', '/internal/reservations', saga, { id: 'r-hold', lines: [{ sku: 'SKU-R', quantity: 4 }] });
    assert.equal((await call('PUT', '/api/inventory/SKU-R', admin, { onHand: 3 })).status, 409);
    assert.deepEqual(await stock('SKU-R'), { on_hand: 5, reserved: 4 });
  });
});

describe('reservations', () => {
  it('50 concurrent reservations of one unit against a stock of 10: exactly 10 succeed and stock adds up', async () => {
    await call('PUT', '/api/inventory/FLASH', admin, { onHand: 10 });
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        call('POST', '/internal/reservations', saga, { id: `flash-${i}`, lines: [{ sku: 'FLASH', quantity: 1 }] }),
      ),
    );
    const held = outcomes.filter((o) => o.body?.status === 'held').length;
    const failed = outcomes.filter((o) => o.body?.status === 'failed').length;
    assert.equal(held, 10);
    assert.equal(failed, 40);
    assert.deepEqual(await stock('FLASH'), { on_hand: 10, reserved: 10 });
  });

  it('reserves all lines of an order or none', async () => {
    await call('PUT', '/api/inventory/PAIR-1', admin, { onHand: 5 });
    await call('PUT', '/api/inventory/PAIR-2', admin, { onHand: 1 });
    const outcome = await call('POST', '/internal/reservations', saga, {
      id: 'all-or-none',
      lines: [
        { sku: 'PAIR-1', quantity: 2 },
        { sku: 'PAIR-2', quantity: 2 },
      ],
    });
    assert.equal(outcome.body?.status, 'failed');
    assert.equal(outcome.body?.reason, 'out_of_stock');
    assert.deepEqual(await stock('PAIR-1'), { on_hand: 5, reserved: 0 });
    assert.deepEqual(await stock('PAIR-2'), { on_hand: 1, reserved: 0 });
  });

  it('the same reservation id twice has one effect', async () => {
    await call('PUT', '/api/inventory/ONCE', admin, { onHand: 5 });
    const body = { id: 'once-1', lines: [{ sku: 'ONCE', quantity: 2 }] };
    const [first, second] = await Promise.all([
      call('POST', '/internal/reservations', saga, body),
      call('POST', '/internal/reservations', saga, body),
    ]);
    assert.equal(first.body?.status, 'held');
    assert.equal(second.body?.status, 'held');
    assert.deepEqual(await stock('ONCE'), { on_hand: 5, reserved: 2 });
    assert.equal((await call('POST', '/internal/reservations/once-1/commit', saga)).body?.status, 'committed');
    assert.equal((await call('POST', '/internal/reservations/once-1/commit', saga)).body?.status, 'committed');
    assert.deepEqual(await stock('ONCE'), { on_hand: 3, reserved: 0 });
  });

  it('release of a held reservation frees its units; of a committed one restocks them; shoppers cannot reserve', async () => {
    await call('PUT', '/api/inventory/BACK', admin, { onHand: 4 });
    await call('POST', '/internal/reservations', saga, { id: 'back-1', lines: [{ sku: 'BACK', quantity: 3 }] });
    await call('POST', '/internal/reservations/back-1/release', saga);
    assert.deepEqual(await stock('BACK'), { on_hand: 4, reserved: 0 });
    await call('POST', '/internal/reservations', saga, { id: 'back-2', lines: [{ sku: 'BACK', quantity: 3 }] });
    await call('POST', '/internal/reservations/back-2/commit', saga);
    await call('POST', '/internal/reservations/back-2/release', saga);
    assert.deepEqual(await stock('BACK'), { on_hand: 4, reserved: 0 });
    assert.equal(
      (await call('POST', '/internal/reservations/back-1/commit', saga)).status,
      409,
      'a released reservation cannot be committed',
    );
    assert.equal((await call('POST', '/internal/reservations', customer, { id: 'x', lines: [{ sku: 'BACK', quantity: 1 }] })).status, 403);
  });

  it('an expired reservation is released by the sweeper', async () => {
    await call('PUT', '/api/inventory/LATE', admin, { onHand: 2 });
    await call('POST', '/internal/reservations', saga, { id: 'late-1', lines: [{ sku: 'LATE', quantity: 2 }], ttlSeconds: 1 });
    await sql`update reservations set expires_at = now() - interval '1 second' where id = 'late-1'`.execute(
      inventory.context.database?.db ?? assert.fail(),
    );
    const { ReservationSweeper } = await import('../src/reservation-sweeper.ts');
    const { InventoryStore } = await import('../src/store.ts');
    const sweeper = new ReservationSweeper(
      new InventoryStore(inventory.context.database?.db ?? assert.fail(), inventory.context.outbox ?? assert.fail()),
      inventory.context.log,
    );
    assert.equal(await sweeper.sweep(), 1);
    assert.deepEqual(await stock('LATE'), { on_hand: 2, reserved: 0 });
    const { rows } = await sql<{ status: string }>`select status from reservations where id = 'late-1'`.execute(
      inventory.context.database?.db ?? assert.fail(),
    );
    assert.equal(rows[0]?.status, 'expired');
  });

  it('announces reserved, reservation-failed and low stock on the bus', async () => {
    await waitFor(
      'the events to arrive',
      async () => (await seen('inventory.stock.reserved.v1')) >= 10 && (await seen('inventory.stock.reservation-failed.v1')) >= 40,
      20_000,
    );
    assert.ok((await seen('inventory.stock.low.v1')) >= 1);
  });

  it('handles the saga commands from the bus, idempotently', async () => {
    await call('PUT', '/api/inventory/BUS-1', admin, { onHand: 6 });
    const lines = [{ sku: 'BUS-1', quantity: 2 }];
    await observer.publish(async (send) => {
      await send(ReserveStock, 'order-bus-1', { reservationId: 'bus-1', lines });
      await send(ReserveStock, 'order-bus-1', { reservationId: 'bus-1', lines });
      await send(CommitStock, 'order-bus-1', { reservationId: 'bus-1' });
    });
    await waitFor('the commit', async () => (await stock('BUS-1'))?.on_hand === 4, 20_000);
    assert.deepEqual(await stock('BUS-1'), { on_hand: 4, reserved: 0 });
    await waitFor('the commit reply', async () => (await seen('inventory.stock.committed.v1')) === 1, 20_000);
  });

  it('answers commit and release commands: committed, commit-failed for a released reservation, released', async () => {
    await call('PUT', '/api/inventory/BUS-2', admin, { onHand: 5 });
    const lines = [{ sku: 'BUS-2', quantity: 1 }];
    await observer.publish(async (send) => {
      await send(ReserveStock, 'bus-2', { reservationId: 'bus-2', lines });
      await send(ReleaseStock, 'bus-2', { reservationId: 'bus-2' });
      await send(CommitStock, 'bus-2', { reservationId: 'bus-2' });
      // Releasing a reservation inventory never saw is answered too: the saga's compensation must always end.
      await send(ReleaseStock, 'never-reserved', { reservationId: 'never-reserved' });
    });
    await waitFor(
      'the replies',
      async () => (await seen('inventory.stock.released.v1')) === 2 && (await seen('inventory.stock.commit-failed.v1')) === 1,
      20_000,
    );
    assert.deepEqual(await stock('BUS-2'), { on_hand: 5, reserved: 0 });
  });
});

describe('business metrics', () => {
  it('a reservation refused out of stock counts one failure; the same reservation asked again counts none', async () => {
    await call('PUT', '/api/inventory/SCARCE', admin, { onHand: 1 });
    const before = await outOfStockFailures();
    const lines = [{ sku: 'SCARCE', quantity: 2 }];
    // The saga's command, delivered twice (a new event id each time: the inbox lets both through).
    const commands = await observer.publish(async (send) => [
      await send(ReserveStock, 'order-scarce', { reservationId: 'scarce-1', lines }),
      await send(ReserveStock, 'order-scarce', { reservationId: 'scarce-1', lines }),
    ]);
    // The same through the internal route.
    for (let i = 0; i < 2; i++) {
      const answer = await call('POST', '/internal/reservations', saga, { id: 'scarce-2', lines });
      assert.equal(answer.body?.reason, 'out_of_stock');
    }
    const ids = commands.map((command) => command.id);
    await waitFor(
      'both bus commands handled',
      async () => {
        const { rows } = await sql`select 1 from mercato_inbox where event_id = any(${ids}::uuid[])`.execute(
          inventory.context.database?.db ?? assert.fail(),
        );
        return rows.length === 2;
      },
      20_000,
    );
    // Counted right after the commit, a moment after another connection can see it.
    await waitFor('the failures counted', async () => (await outOfStockFailures()) - before >= 2);
    assert.equal((await outOfStockFailures()) - before, 2, 'one failure per reservation');
    const text = await inventory.context.metrics.registry.metrics();
    assert.match(text, /^mercato_inventory_reservation_failures_total\{[^}]*reason="out_of_stock"[^}]*\} \d+$/m);
  });
});
