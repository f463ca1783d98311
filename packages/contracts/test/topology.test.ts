import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowedCallers, CLI_CLIENT, GATEWAY_OPS_CLIENT, type ProcessEntry, type ProcessRole, TOPOLOGY } from '../src/topology.ts';

const entries: readonly ProcessEntry[] = TOPOLOGY;
const START_PHASES: readonly ProcessRole[] = ['registry', 'service', 'gateway'];
const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

describe('the topology', () => {
  it('names each process once, in lowercase words joined by dashes (its folder, client id, discovery name and database)', () => {
    const names = entries.map((e) => e.name);
    assert.equal(new Set(names).size, names.length, `a name twice: ${names.join(', ')}`);
    for (const name of names) assert.match(name, /^[a-z]+(-[a-z]+)*$/);
  });

  it('lists the processes in start order: one registry first, the services, one gateway last', () => {
    const phases = entries.map((e) => START_PHASES.indexOf(e.role));
    assert.deepEqual(
      phases,
      [...phases].sort((a, b) => a - b),
      `roles out of order: ${entries.map((e) => e.role).join(', ')}`,
    );
    assert.equal(entries.filter((e) => e.role === 'registry').length, 1);
    assert.equal(entries.filter((e) => e.role === 'gateway').length, 1);
  });

  it("gives only the gateway a fixed port (the shop's address); the others take a free one that discovery finds", () => {
    for (const entry of entries) assert.equal(entry.port !== undefined, entry.role === 'gateway', entry.name);
  });

  it('routes public prefixes only to business services, and no prefix lies below another (the order of routes is no rule)', () => {
    const routes = entries.flatMap((e) => e.publicPrefixes.map((prefix) => ({ prefix, service: e.name, role: e.role })));
    routes.forEach(({ prefix, service, role }, i) => {
      assert.equal(role, 'service', `${prefix} goes to ${service}`);
      assert.match(prefix, /^\/[^?#*]*[^/]$/, `${prefix}: a path without a trailing slash, query or wildcard`);
      assert.ok(!under(prefix, '/internal'), `${prefix} is internal`);
      routes.forEach((other, j) => {
        if (i !== j) assert.ok(!under(other.prefix, prefix), `${other.prefix} (${other.service}) lies at or below ${prefix} (${service})`);
      });
    });
  });

  it('lets internal routes be called only by clients that exist', () => {
    const clients = new Set([...entries.filter((e) => e.role !== 'registry').map((e) => e.name), CLI_CLIENT]);
    for (const entry of entries) {
      for (const [prefix, callers] of Object.entries(entry.internalRoutes)) {
        assert.ok(under(prefix, '/internal'), `${entry.name} ${prefix} is below /internal`);
        assert.ok(callers.length > 0, `${entry.name} ${prefix} names its callers`);
        for (const caller of callers) assert.ok(clients.has(caller), `${entry.name} ${prefix}: no client named ${caller}`);
      }
    }
  });
});

describe('allowedCallers()', () => {
  it('an internal route answers the callers its entry names, below its prefix too', () => {
    assert.deepEqual(allowedCallers('catalog', '/internal/products/by-sku'), { callers: ['cart', 'orders'], ops: false });
    assert.deepEqual(allowedCallers('cart', '/internal/carts/:userId'), { callers: ['orders'], ops: false });
  });

  it('an internal path no entry names answers nobody, also on a service with no internal routes', () => {
    assert.deepEqual(allowedCallers('catalog', '/internal/other'), { callers: [], ops: false });
    assert.deepEqual(allowedCallers('payments', '/internal/anything'), { callers: [], ops: false });
    assert.deepEqual(allowedCallers('unknown', '/internal/carts'), { callers: [], ops: false });
  });

  it('operator paths answer the ops callers on every service; a public path is any authenticated caller', () => {
    assert.deepEqual(allowedCallers('orders', '/internal/dead-letters/:id/replay'), {
      callers: [GATEWAY_OPS_CLIENT, CLI_CLIENT],
      ops: true,
    });
    assert.deepEqual(allowedCallers('registry', '/metrics'), { callers: [GATEWAY_OPS_CLIENT, CLI_CLIENT], ops: true });
    assert.equal(allowedCallers('catalog', '/api/products'), undefined);
    assert.equal(allowedCallers('catalog', '/internalish'), undefined);
  });
});
