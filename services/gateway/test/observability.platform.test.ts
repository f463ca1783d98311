// biome-ignore-all lint/suspicious/noExplicitAny: a black-box test reads untyped JSON answers
/**
 * Observability from outside, against the whole platform: one checkout is one trace across
 * processes and bus hops, found by its order id or request id; a declined payment's trace shows
 * the error; and no process writes a secret or a shopper's personal data into its log.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '@mercato/kit/testing';
import { call } from '../../orders/test/support/shop.ts';
import { startTestPlatform, stockedProduct, type TestPlatform } from './support/test-platform.ts';

let platform: TestPlatform;
let base: string;
let admin: string;
let sku: string;

/** Everything a shopper gives us that must never reach a log line. */
const SHOPPER = {
  email: `quimby-${randomUUID().slice(0, 8)}@example.test`,
  password: 'Xylophone-Harbour-7731',
  name: 'Quimby Xylander',
  address: {
    line1: '77 Zanzibar Crescent',
    line2: 'Flat Q9',
    city: 'Vexborough',
    postalCode: 'QX7 3ZZ',
    country: 'GB',
    phone: '+44 7700 900461',
  },
};

interface Span {
  spanId: string;
  parentSpanId: string | null;
  service: string;
  name: string;
  kind: string;
  status: string;
  attributes: Record<string, unknown>;
}

async function settled(token: string, orderId: string): Promise<any> {
  return waitFor(
    `order ${orderId} settles`,
    async () => {
      const answer = await call(base, 'GET', `/api/orders/${orderId}?wait=5`, { token });
      return answer.body.status === 'pending' ? undefined : answer.body;
    },
    30_000,
  );
}

/** The placement's trace: the one that order's search finds with the most spans (the order page's own reads are traces too). */
async function traceOfOrder(orderId: string): Promise<{ summary: any; spans: Span[] }> {
  const listed: any[] = await waitFor(
    `a trace of order ${orderId}`,
    async () => {
      const answer = await call(base, 'GET', `/api/ops/traces?orderId=${orderId}`, { token: admin });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body.items.length > 0 ? answer.body.items : undefined;
    },
    10_000,
  );
  const summary = [...listed].sort((a: any, b: any) => b.spanCount - a.spanCount)[0];
  const detail = await call(base, 'GET', `/api/ops/traces/${summary.traceId}`, { token: admin });
  assert.equal(detail.status, 200);
  assert.equal(detail.body.traceId, summary.traceId);
  return { summary, spans: detail.body.spans };
}

let shopperToken: string;
let refreshToken: string;
let confirmedOrder: string;
let declinedOrder: string;
const placementRequestId = `obs-${randomUUID()}`;

before(async () => {
  // Debug lines too: the scan covers everything a process may write.
  platform = await startTestPlatform('observability', { LOG_LEVEL: 'debug' });
  ({ base, admin } = platform);
  sku = (await stockedProduct(base, admin, 'OBS-1', 2599, 100)).sku;
  const registered = await call(base, 'POST', '/api/auth/register', {
    body: { email: SHOPPER.email, password: SHOPPER.password, name: SHOPPER.name },
  });
  assert.equal(registered.status, 201);
  shopperToken = registered.body.accessToken;
  refreshToken = registered.body.refreshToken;
  const login = await call(base, 'POST', '/api/auth/login', { body: { email: SHOPPER.email, password: SHOPPER.password } });
  assert.equal(login.status, 200);
  const wrong = await call(base, 'POST', '/api/auth/login', { body: { email: SHOPPER.email, password: `${SHOPPER.password}-wrong` } });
  assert.equal(wrong.status, 401);
  const profile = await call(base, 'PATCH', '/api/me', { token: shopperToken, body: { name: SHOPPER.name, address: SHOPPER.address } });
  assert.equal(profile.status, 200, JSON.stringify(profile.body));
  const refreshed = await call(base, 'POST', '/api/auth/refresh', { body: { refreshToken } });
  assert.equal(refreshed.status, 200);
  shopperToken = refreshed.body.accessToken;
  refreshToken = refreshed.body.refreshToken;

  const place = async (paymentToken: string, headers: Record<string, string> = {}) => {
    assert.equal((await call(base, 'POST', '/api/cart/items', { token: shopperToken, body: { sku, quantity: 2 } })).status, 200);
    const placed = await call(base, 'POST', '/api/orders', {
      token: shopperToken,
      headers: { 'idempotency-key': randomUUID(), ...headers },
      body: { shippingAddress: SHOPPER.address, paymentToken },
    });
    assert.equal(placed.status, 202, JSON.stringify(placed.body));
    return placed.body.id as string;
  };
  confirmedOrder = await place('tok_visa', { 'x-request-id': placementRequestId });
  assert.equal((await settled(shopperToken, confirmedOrder)).status, 'confirmed');
  declinedOrder = await place('tok_declined');
  const declined = await settled(shopperToken, declinedOrder);
  assert.equal(declined.status, 'cancelled');
  assert.equal(declined.cancelReason, 'payment_declined');
});

after(async () => {
  await platform?.stop();
});

describe('one trace per order', () => {
  it('a checkout is one trace from the gateway through orders, cart, catalog, inventory and payments, across bus hops, found by its order id', async () => {
    const { summary, spans } = await traceOfOrder(confirmedOrder);
    const services = new Set(spans.map((s) => s.service));
    for (const service of ['gateway', 'orders', 'cart', 'catalog', 'inventory', 'payments'])
      assert.ok(services.has(service), `spans from ${service}: ${[...services]}`);
    assert.deepEqual(summary.services, [...services].sort());
    assert.equal(summary.name, 'POST /api/orders');
    assert.equal(summary.error, false);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const roots = spans.filter((s) => s.parentSpanId === null);
    assert.deepEqual(
      roots.map((s) => [s.service, s.kind, s.name]),
      [['gateway', 'server', 'POST /api/orders']],
    );
    // Every span hangs under one the trace holds: nothing is orphaned across a process or the bus.
    for (const span of spans)
      if (span.parentSpanId) assert.ok(byId.has(span.parentSpanId), `${span.service} ${span.name} has its parent in the trace`);
    // A bus hop: a consumer span is the child of the producer span whose event it handles, in another process.
    const hops = spans.filter((s) => s.kind === 'consumer' && byId.get(s.parentSpanId ?? '')?.kind === 'producer');
    assert.ok(hops.length >= 2, `bus hops: ${hops.length}`);
    assert.ok(hops.some((hop) => byId.get(hop.parentSpanId ?? '')?.service !== hop.service));
    for (const name of ['process inventory.reserve.v1', 'process payments.authorize.v2'])
      assert.ok(
        spans.some((s) => s.name === name),
        name,
      );
    const provider = spans.filter((s) => s.name === 'provider authorize' || s.name === 'provider capture');
    assert.equal(provider.length, 2, 'the provider calls (authorize, capture) are spans of the trace');
    assert.ok(provider.every((s) => s.service === 'payments' && s.status === 'ok'));
  });

  it('the same trace is found by the placement request id', async () => {
    const byOrder = await traceOfOrder(confirmedOrder);
    const answer = await call(base, 'GET', `/api/ops/traces?requestId=${placementRequestId}`, { token: admin });
    assert.equal(answer.status, 200);
    assert.deepEqual(
      answer.body.items.map((t: any) => t.traceId),
      [byOrder.summary.traceId],
    );
  });

  it("a declined payment's trace marks the error where it happened and in its summary", async () => {
    const { summary, spans } = await traceOfOrder(declinedOrder);
    assert.equal(summary.error, true);
    const failed = spans.filter((s) => s.status === 'error');
    assert.ok(
      failed.some((s) => s.service === 'payments' && s.name === 'provider authorize'),
      JSON.stringify(failed),
    );
    assert.ok(spans.some((s) => s.name === 'process payments.payment.failed.v1' && s.service === 'orders'));
  });

  it('the newest traces come first and page with a cursor; a bad trace id or cursor is a 400, an unknown trace a 404', async () => {
    const first = await call(base, 'GET', '/api/ops/traces?limit=2', { token: admin });
    assert.equal(first.status, 200);
    assert.equal(first.body.items.length, 2);
    assert.ok(first.body.nextCursor);
    const second = await call(base, 'GET', `/api/ops/traces?limit=2&cursor=${first.body.nextCursor}`, { token: admin });
    assert.equal(second.status, 200);
    const times = [...first.body.items, ...second.body.items].map((t: any) => Date.parse(t.startedAt));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
    );
    const ids = [...first.body.items, ...second.body.items].map((t: any) => t.traceId);
    assert.equal(new Set(ids).size, ids.length);
    for (const path of [
      '/api/ops/traces/not-a-trace',
      '/api/ops/traces?cursor=abc',
      '/api/ops/traces?limit=0',
      '/api/ops/traces?orderId=',
      '/api/ops/traces?since=1',
    ]) {
      const answer = await call(base, 'GET', path, { token: admin });
      assert.equal(answer.status, 400, path);
    }
    assert.equal((await call(base, 'GET', `/api/ops/traces/${'ab'.repeat(16)}`, { token: admin })).status, 404);
    assert.equal((await call(base, 'GET', '/api/ops/traces')).status, 401);
    assert.equal((await call(base, 'GET', `/api/ops/traces/${'ab'.repeat(16)}`, { token: shopperToken })).status, 403);
  });

  it('the service map shows who called whom over HTTP and what went over the bus, with rates', async () => {
    const answer = await call(base, 'GET', '/api/ops/service-map', { token: admin });
    assert.equal(answer.status, 200);
    const edge = (from: string, to: string, via: string) =>
      answer.body.edges.find((e: any) => e.from === from && e.to === to && e.via === via);
    assert.ok(edge('gateway', 'orders', 'http')?.calls >= 2);
    assert.ok(edge('orders', 'inventory', 'bus')?.calls >= 2);
    assert.ok(edge('payments', 'orders', 'bus')?.calls >= 2);
    const provider = edge('payments', 'payment-provider', 'http');
    assert.ok(provider.errors >= 1 && provider.errorRate > 0 && provider.perSecond > 0, JSON.stringify(provider));
    assert.ok(answer.body.nodes.some((n: any) => n.name === 'recommendations'));
  });
});

describe('logs', () => {
  it('no process writes the password, a token, the card token, the name, the email or the address a shopper gave', async () => {
    const output = platform.output();
    const secrets = {
      password: SHOPPER.password,
      'access token': shopperToken,
      "access token's signature": shopperToken.split('.')[2] ?? '',
      'refresh token': refreshToken,
      'card token': 'tok_declined',
      name: SHOPPER.name,
      email: SHOPPER.email,
      'address line': SHOPPER.address.line1,
      'address line 2': SHOPPER.address.line2,
      city: SHOPPER.address.city,
      'postal code': SHOPPER.address.postalCode,
      phone: SHOPPER.address.phone,
    };
    assert.ok(output.split('\n').length > 50, 'the platform wrote its logs');
    for (const [what, value] of Object.entries(secrets)) {
      assert.ok(value.length > 6, what);
      const at = output.indexOf(value);
      assert.equal(
        at,
        -1,
        `the ${what} is in a log line: ${output.slice(Math.max(0, output.lastIndexOf('\n', at)), output.indexOf('\n', at))}`,
      );
    }
  });

  it('log lines carry every field the collector config maps; a line under a request names its request, trace, span and order', async () => {
    const mapped: string[] = JSON.parse(
      await readFile(new URL('../../../deploy/observability/log-fields.json', import.meta.url), 'utf8'),
    ).fields.map((f: { field: string }) => f.field);
    const records = platform
      .output()
      .split('\n')
      .map((line) => line.slice(line.indexOf('{')))
      .flatMap((line) => {
        try {
          return [JSON.parse(line)];
        } catch {
          return [];
        }
      });
    const placed = records.find((r) => r.msg === 'order placed' && r.orderId === confirmedOrder);
    assert.ok(placed, 'the placement is logged');
    assert.equal(placed.service, 'orders');
    assert.equal(placed.requestId, placementRequestId);
    const { spans } = await traceOfOrder(confirmedOrder);
    assert.ok(
      spans.some((s) => s.spanId === placed.spanId && s.name === 'POST /api/orders'),
      'its span is in the trace',
    );
    for (const field of mapped) assert.ok(field in placed, `the collector maps ${field}; the placement line has it`);
    for (const record of records.filter((r) => r.service))
      for (const field of ['time', 'level', 'service', 'instance', 'msg'])
        assert.ok(field in record, `${field} in ${JSON.stringify(record)}`);
  });
});
