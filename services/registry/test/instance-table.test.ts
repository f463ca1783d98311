import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InstanceTable } from '../src/domain/instance-table.ts';

const catalog = { service: 'catalog', url: 'http://127.0.0.1:4001' };

describe('InstanceTable', () => {
  it('evicts an instance that missed its heartbeats for a whole TTL, and only that one', () => {
    const table = new InstanceTable(1_000);
    const a = table.register(catalog, 0).instance;
    const b = table.register({ ...catalog, url: 'http://127.0.0.1:4002' }, 0).instance;
    assert.equal(table.heartbeat(b.id, 900), true);
    assert.deepEqual(table.evictExpired(999), []);
    const evicted = table.evictExpired(1_000);
    assert.deepEqual(
      evicted.map((c) => [c.kind, c.instance.id]),
      [['evicted', a.id]],
    );
    assert.deepEqual(
      table.list('catalog').map((i) => i.id),
      [b.id],
    );
  });

  it('a heartbeat for an unknown or evicted id answers false so the client registers again', () => {
    const table = new InstanceTable(1_000);
    const a = table.register(catalog, 0).instance;
    table.evictExpired(5_000);
    assert.equal(table.heartbeat(a.id, 5_001), false);
    assert.equal(table.heartbeat('never-registered', 0), false);
  });

  it('lists by service', () => {
    const table = new InstanceTable(1_000);
    table.register(catalog, 0);
    table.register({ service: 'cart', url: 'http://127.0.0.1:4003' }, 0);
    assert.equal(table.list('cart').length, 1);
    assert.equal(table.list().length, 2);
  });
});
