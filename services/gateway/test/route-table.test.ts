import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ROUTE_TABLE } from '../src/route-table.ts';

describe("the gateway's route table", () => {
  it("forwards exactly API.md's public prefixes, each to the service that owns it", () => {
    const table = Object.fromEntries(ROUTE_TABLE.map(({ prefix, service }) => [prefix, service]));
    assert.equal(Object.keys(table).length, ROUTE_TABLE.length, 'a prefix routed twice');
    assert.deepEqual(table, {
      '/api/auth': 'identity',
      '/api/me': 'identity',
      '/.well-known/jwks.json': 'identity',
      '/api/products': 'catalog',
      '/api/categories': 'catalog',
      '/media': 'catalog',
      '/api/inventory': 'inventory',
      '/api/admin/inventory': 'inventory',
      '/api/cart': 'cart',
      '/api/orders': 'orders',
      '/api/admin/orders': 'orders',
      '/api/admin/payments': 'payments',
      '/api/recommendations': 'recommendations',
    });
  });
});
