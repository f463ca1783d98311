import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createService, type Service } from '@mercato/kit';
import { createTestDatabase, createTestIssuer, type InjectedAnswer, injectJson, type TestDatabase } from '@mercato/kit/testing';
import { inventoryDefinition } from '../src/app.ts';

let database: TestDatabase;
let busDatabase: TestDatabase;
let inventory: Service;
let admin: string;
let customer: string;
let saga: string;

/** SKUs of letters and digits only, so the database's collation and a JavaScript sort agree on their order. */
const STOCKED = Array.from({ length: 23 }, (_, i) => `LIST${String(i).padStart(2, '0')}`);

const call = (method: 'GET' | 'PUT' | 'POST', url: string, token?: string, body?: unknown) =>
  injectJson(inventory.app, method, url, { token, body });

function assertProblem(answer: InjectedAnswer, status: number, what: string): void {
  assert.equal(answer.status, status, `${what}: ${JSON.stringify(answer.body)}`);
  assert.match(String(answer.headers['content-type']), /^application\/problem\+json/, what);
  assert.equal(answer.body?.status, status, what);
}

before(async () => {
  database = await createTestDatabase('inventory_admin');
  busDatabase = await createTestDatabase('inventory_admin_bus');
  const issuer = await createTestIssuer();
  inventory = await createService(
    { ...inventoryDefinition(), jwks: () => issuer.jwks },
    { LOG_LEVEL: 'silent', INVENTORY_DATABASE_URL: database.url, INVENTORY_SWEEP_INTERVAL_MS: '60000', BUS_DATABASE_URL: busDatabase.url },
  );
  await inventory.start();
  admin = await issuer.userToken(['admin', 'customer']);
  customer = await issuer.userToken();
  saga = await issuer.serviceToken('orders', 'inventory');
  for (const [i, sku] of STOCKED.entries()) assert.equal((await call('PUT', `/api/inventory/${sku}`, admin, { onHand: i })).status, 200);
});
after(async () => {
  await inventory.stop();
  await database.drop();
  await busDatabase.drop();
});

describe('GET /api/admin/inventory', () => {
  it('an admin sees on hand, reserved and available of a SKU an order holds units of', async () => {
    assert.equal((await call('PUT', '/api/inventory/HELD1', admin, { onHand: 8 })).status, 200);
    const held = await call('POST', '/internal/reservations', saga, { id: 'admin-list-hold', lines: [{ sku: 'HELD1', quantity: 3 }] });
    assert.equal(held.body?.status, 'held');
    const answer = await call('GET', '/api/admin/inventory?skus=HELD1', admin);
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { items: [{ sku: 'HELD1', onHand: 8, reserved: 3, available: 5 }], nextCursor: null });
  });

  it('pages of at most `limit` in SKU order, following nextCursor, list every SKU exactly once', async () => {
    const all = [...STOCKED, 'HELD1'].sort();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const answer: InjectedAnswer = await call(
        'GET',
        `/api/admin/inventory?limit=5${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
        admin,
      );
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.ok(answer.body?.items.length <= 5);
      for (const item of answer.body?.items ?? []) {
        assert.equal(item.available, item.onHand - item.reserved, item.sku);
        seen.push(item.sku);
      }
      cursor = answer.body?.nextCursor;
      pages += 1;
      assert.ok(pages <= all.length, 'the walk ends');
    } while (cursor !== null);
    assert.deepEqual(seen, all);
    assert.equal(pages, Math.ceil(all.length / 5));
  });

  it('answers 20 items by default and at most 100', async () => {
    const first = await call('GET', '/api/admin/inventory', admin);
    assert.equal(first.status, 200);
    assert.equal(first.body?.items.length, 20);
    assert.equal(typeof first.body?.nextCursor, 'string');
    const everything = await call('GET', '/api/admin/inventory?limit=100', admin);
    assert.equal(everything.body?.items.length, STOCKED.length + 1);
    assert.equal(everything.body?.nextCursor, null);
  });

  it('skus=a,b,c narrows the list to those known SKUs, in SKU order, and pages like the full list', async () => {
    const answer = await call('GET', '/api/admin/inventory?skus=LIST07,NOPE,LIST02,LIST07', admin);
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, {
      items: [
        { sku: 'LIST02', onHand: 2, reserved: 0, available: 2 },
        { sku: 'LIST07', onHand: 7, reserved: 0, available: 7 },
      ],
      nextCursor: null,
    });
    const page = await call('GET', '/api/admin/inventory?skus=LIST07,LIST02&limit=1', admin);
    assert.deepEqual(
      page.body?.items.map((item: { sku: string }) => item.sku),
      ['LIST02'],
    );
    const rest = await call('GET', `/api/admin/inventory?skus=LIST07,LIST02&limit=1&cursor=${page.body?.nextCursor}`, admin);
    assert.deepEqual(rest.body, { items: [{ sku: 'LIST07', onHand: 7, reserved: 0, available: 7 }], nextCursor: null });
    assert.deepEqual((await call('GET', '/api/admin/inventory?skus=NOPE', admin)).body, { items: [], nextCursor: null });
  });

  it('more than 100 SKUs in skus → 400 with errors[] naming the parameter', async () => {
    const many = Array.from({ length: 101 }, (_, i) => `S${i}`).join(',');
    const answer = await call('GET', `/api/admin/inventory?skus=${many}`, admin);
    assertProblem(answer, 400, 'skus over 100');
    assert.deepEqual(answer.body?.errors, [{ parameter: 'skus', detail: 'at most 100 SKUs' }]);
    const hundred = Array.from({ length: 100 }, (_, i) => `S${i}`).join(',');
    assert.equal((await call('GET', `/api/admin/inventory?skus=${hundred}`, admin)).status, 200);
  });

  it('anonymous → 401 and a customer → 403, before the query is validated', async () => {
    for (const query of ['', '?limit=0', '?limit=101', '?bogus=1', '?cursor=%21%21']) {
      assertProblem(await call('GET', `/api/admin/inventory${query}`), 401, `anonymous ${query}`);
      // The gateway's token for anonymous calls is a service token: not a user, so 401 too.
      assertProblem(await call('GET', `/api/admin/inventory${query}`, saga), 401, `service token ${query}`);
      assertProblem(await call('GET', `/api/admin/inventory${query}`, customer), 403, `customer ${query}`);
    }
  });

  it('limit outside 1–100, a limit that is not plain digits, an unknown parameter or a foreign cursor → 400 problem+json', async () => {
    for (const query of ['limit=0', 'limit=101', 'limit=-1', 'limit=1e1', 'limit=abc', 'bogus=1', 'skus=LIST01&sku=LIST01']) {
      const answer = await call('GET', `/api/admin/inventory?${query}`, admin);
      assertProblem(answer, 400, query);
      assert.ok(Array.isArray(answer.body?.errors) && answer.body.errors.length > 0, `${query} has errors[]`);
    }
    const foreign = [
      '!!',
      Buffer.from('not a sku!').toString('base64url'),
      Buffer.from('x'.repeat(65)).toString('base64url'),
      `${Buffer.from('LIST01').toString('base64url')}=`,
    ];
    for (const cursor of foreign) {
      const answer = await call('GET', `/api/admin/inventory?cursor=${encodeURIComponent(cursor)}`, admin);
      assertProblem(answer, 400, `cursor ${cursor}`);
      assert.deepEqual(answer.body?.errors, [{ parameter: 'cursor', detail: 'not a cursor this listing gave out' }]);
    }
  });
});
