// biome-ignore-all lint/suspicious/noExplicitAny: a black-box test reads untyped JSON answers
/**
 * OWASP API Security Top 10 (2023), one group per risk, against the whole platform through the real
 * gateway, as an attacker on the network would try it. Each group names what it pins; the audit's
 * findings ([6]) each have a case here or in the file named beside it.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { basicAuthorization, createService, type Service } from '@mercato/kit';
import { rawHttp, waitFor } from '@mercato/kit/testing';
import { request } from 'undici';
import { type Answer, call, Shopper } from '../../orders/test/support/shop.ts';
import { gatewayDefinition } from '../src/app.ts';
import { startTestPlatform, stockedProduct, type TestPlatform } from './support/test-platform.ts';

let platform: TestPlatform;
let base: string;
let admin: string;
let alice: Shopper;
let bob: Shopper;
let aliceOrder: string;
let product: { id: string; slug: string; sku: string };

const PROBLEM = /^application\/problem\+json/;

/** The answer with its headers, any content type. */
async function fetchRaw(path: string, options: { method?: string; token?: string; headers?: Record<string, string>; body?: string } = {}) {
  const response = await request(`${base}${path}`, {
    method: (options.method ?? 'GET') as 'GET',
    headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers },
    body: options.body,
  });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text, json: () => JSON.parse(text) };
}

const rawSocket = (bytes: string, trickleMs?: number) => rawHttp(Number(new URL(base).port), bytes, { trickleMs });

function assertProblem(answer: Answer | { status: number; headers: Record<string, unknown>; text: string }, status: number, what: string) {
  assert.equal(answer.status, status, `${what}: ${'text' in answer ? answer.text : JSON.stringify(answer.body)}`);
  if ('headers' in answer) assert.match(String(answer.headers['content-type']), PROBLEM, what);
  const body = 'text' in answer ? JSON.parse(answer.text) : answer.body;
  assert.equal(body.status, status, what);
  assert.ok(body.type && body.title && body.detail, `${what}: a problem has type, title and detail`);
}

before(async () => {
  platform = await startTestPlatform('owasp', { MERCATO_REQUEST_TIMEOUT_MS: '3000' });
  ({ base, admin } = platform);
  product = await stockedProduct(base, admin, 'OWASP-1', 1500, 500);
  alice = await Shopper.register(base, 'alice');
  bob = await Shopper.register(base, 'bob');
  await alice.add(product.sku, 1);
  const placed = await alice.place('tok_visa');
  assert.equal(placed.status, 202);
  aliceOrder = placed.body.id;
  await alice.final(aliceOrder);
});
after(() => platform?.stop());

describe('API1 broken object level authorization: every owned resource, as another user', () => {
  it("bob cannot read, cancel or see alice's order (404, as for no order); an admin can", async () => {
    assertProblem(await bob.call('GET', `/api/orders/${aliceOrder}`), 404, 'read');
    assertProblem(await bob.call('POST', `/api/orders/${aliceOrder}/cancel`), 404, 'cancel');
    assert.ok(!(await bob.call('GET', '/api/orders')).body.items.some((o: any) => o.id === aliceOrder), 'list');
    assert.equal((await call(base, 'GET', `/api/orders/${aliceOrder}`, { token: admin })).status, 200);
  });

  it('a cart and a profile are the caller’s own: no id in the path can reach another user’s', async () => {
    await bob.add(product.sku, 2);
    const aliceCart = (await alice.call('GET', '/api/cart')).body;
    assert.ok(!aliceCart.lines.some((l: any) => l.quantity === 2), "bob's add is not in alice's cart");
    assert.notEqual((await bob.call('GET', '/api/me')).body.id, alice.userId);
    for (const path of [`/api/cart/${alice.userId}`, `/api/me/${alice.userId}`, `/api/cart?userId=${alice.userId}`]) {
      const answer = await bob.call('GET', path);
      assert.ok([400, 404].includes(answer.status), `${path}: ${answer.status}`);
    }
  });
});

describe('API2 broken authentication', () => {
  it('a tampered, unsigned or foreign-key token is 401 problem+json', async () => {
    const [header, payload, signature] = alice.token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const asAdmin = Buffer.from(JSON.stringify({ ...claims, roles: ['customer', 'admin'] })).toString('base64url');
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const longLived = Buffer.from(JSON.stringify({ ...claims, exp: claims.iat + 10 * 365 * 86400 })).toString('base64url');
    for (const [what, token] of [
      ['roles changed', `${header}.${asAdmin}.${signature}`],
      ['alg none', `${none}.${asAdmin}.`],
      ['a ten-year exp', `${header}.${longLived}.${signature}`],
      // A character in the middle: the last ones of base64url carry padding bits, so changing them may keep the bytes.
      ['signature flipped', `${header}.${payload}.${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`],
    ] as const) {
      assertProblem(await fetchRaw('/api/admin/orders', { token }), 401, what);
      assertProblem(await fetchRaw('/api/me', { token }), 401, what);
    }
  });

  it('a refresh token works once; reusing it is 401 and revokes the whole login', async () => {
    const email = `refresh-${randomUUID()}@shop.test`;
    const registered = await call(base, 'POST', '/api/auth/register', { body: { email, password: 'long enough pw', name: 'R' } });
    const first = registered.body.refreshToken;
    const rotated = await call(base, 'POST', '/api/auth/refresh', { body: { refreshToken: first } });
    assert.equal(rotated.status, 200);
    assertProblem(await call(base, 'POST', '/api/auth/refresh', { body: { refreshToken: first } }), 401, 'reuse');
    assertProblem(
      await call(base, 'POST', '/api/auth/refresh', { body: { refreshToken: rotated.body.refreshToken } }),
      401,
      'family revoked',
    );
  });

  it('15 wrong passwords in parallel lock the account: the right password then gets 429 with Retry-After', async () => {
    const email = `brute-${randomUUID()}@shop.test`;
    await call(base, 'POST', '/api/auth/register', { body: { email, password: 'the right password', name: 'B' } });
    const wrong = await Promise.all(
      Array.from({ length: 15 }, () => call(base, 'POST', '/api/auth/login', { body: { email, password: 'not the password' } })),
    );
    assert.ok(
      wrong.every((a) => a.status === 401 || a.status === 429),
      `${wrong.map((a) => a.status).join(' ')}\n${platform.errors()}`,
    );
    const right = await fetchRaw('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'the right password' }),
    });
    assertProblem(right, 429, 'locked');
    assert.ok(Number(right.headers['retry-after']) >= 1);
  });
});

describe('API3 broken object property level authorization: mass assignment', () => {
  it('registering with roles, or changing roles, email or id through PATCH /api/me, is 400 and changes nothing', async () => {
    const email = `mass-${randomUUID()}@shop.test`;
    assertProblem(
      await call(base, 'POST', '/api/auth/register', { body: { email, password: 'long enough pw', name: 'M', roles: ['admin'] } }),
      400,
      'register with roles',
    );
    for (const change of [{ roles: ['admin'] }, { email: 'other@shop.test' }, { id: randomUUID() }, { name: 'ok', roles: ['admin'] }]) {
      assertProblem(await bob.call('PATCH', '/api/me', change), 400, JSON.stringify(change));
    }
    const me = (await bob.call('GET', '/api/me')).body;
    assert.deepEqual(me.roles, ['customer']);
    assert.equal(me.name, 'bob');
  });

  it('a cart line or an order cannot carry its own price, total, status or owner', async () => {
    assertProblem(
      await bob.call('POST', '/api/cart/items', { sku: product.sku, quantity: 1, unitPrice: { amount: 1, currency: 'USD' } }),
      400,
      'price',
    );
    for (const extra of [{ total: { amount: 1, currency: 'USD' } }, { status: 'confirmed' }, { userId: alice.userId }]) {
      assertProblem(await bob.place('tok_visa', randomUUID(), extra), 400, JSON.stringify(extra));
    }
    assertProblem(
      await call(base, 'PATCH', `/api/products/${product.id}`, { token: admin, body: { id: randomUUID() } }),
      400,
      'product id',
    );
  });
});

describe('API4 unrestricted resource consumption', () => {
  it('a body over 1 MiB is 413; quantities, limits and list sizes beyond their bounds are 400', async () => {
    const huge = JSON.stringify({ sku: product.sku, quantity: 1, pad: 'x'.repeat(1024 * 1024 + 10) });
    assertProblem(
      await fetchRaw('/api/cart/items', { method: 'POST', token: bob.token, headers: { 'content-type': 'application/json' }, body: huge }),
      413,
      'body size',
    );
    for (const quantity of ['100', '1e6', '1e400', '-1', '0', '"3"', '2.5']) {
      const body = `{"sku":"${product.sku}","quantity":${quantity}}`;
      const answer = await fetchRaw('/api/cart/items', {
        method: 'POST',
        token: bob.token,
        headers: { 'content-type': 'application/json' },
        body,
      });
      assertProblem(answer, 400, `quantity ${quantity}`);
    }
    for (const query of ['limit=1000', 'limit=0', 'limit=1e400', `skus=${Array.from({ length: 101 }, (_, i) => `S${i}`).join(',')}`]) {
      const path = query.startsWith('skus') ? `/api/inventory?${query}` : `/api/products?${query}`;
      assertProblem(await fetchRaw(path), 400, query);
    }
  });

  it('a client that trickles its request is cut off with 408 problem+json (MERCATO_REQUEST_TIMEOUT_MS)', async () => {
    const answer = await rawSocket(
      `POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{`,
      300,
    );
    assert.equal(answer.status, 408, answer.head);
    assert.match(answer.head, /content-type: application\/problem\+json/i);
    assert.ok(answer.ms < 10_000, `held ${answer.ms} ms`);
  });
});

describe('API5 broken function level authorization: every admin route, as anonymous and as a customer', () => {
  const adminRoutes: [string, string, () => string, unknown?][] = [
    ['POST', '/api/products', () => '/api/products', { slug: 'x', name: 'x' }],
    ['PATCH', '/api/products/{id}', () => `/api/products/${product.id}`, { name: 'pwned' }],
    ['DELETE', '/api/products/{id}', () => `/api/products/${product.id}`],
    ['PUT', '/api/inventory/{sku}', () => `/api/inventory/${product.sku}`, { onHand: 0 }],
    ['GET', '/api/admin/orders', () => '/api/admin/orders'],
    ['POST', '/api/admin/orders/{id}/ship', () => `/api/admin/orders/${aliceOrder}/ship`, { carrier: 'x', trackingNumber: 'y' }],
    ['GET', '/api/admin/payments/{orderId}', () => `/api/admin/payments/${aliceOrder}`],
    // An invalid limit: 401 and 403 still come first.
    ['GET', '/api/admin/inventory', () => '/api/admin/inventory?limit=0'],
    ['GET', '/api/ops/services', () => '/api/ops/services'],
    ['GET', '/api/ops/metrics', () => '/api/ops/metrics'],
    ['GET', '/api/ops/dead-letters', () => '/api/ops/dead-letters'],
    ['POST', '/api/ops/dead-letters/{service}/{id}/replay', () => '/api/ops/dead-letters/orders/1/replay'],
    // An invalid cursor: 401 and 403 still come first.
    ['GET', '/api/ops/events', () => '/api/ops/events?cursor=x'],
    // An invalid trace id and query: 401 and 403 still come first.
    ['GET', '/api/ops/traces', () => '/api/ops/traces?limit=0&cursor=x'],
    ['GET', '/api/ops/traces/{traceId}', () => '/api/ops/traces/not-a-trace-id'],
    ['GET', '/api/ops/service-map', () => '/api/ops/service-map?junk=1'],
    // Any query parameter is a 400, after 401 and 403.
    ['GET', '/api/ops/scaling', () => '/api/ops/scaling?junk=1'],
  ];
  for (const [method, label, path, body] of adminRoutes) {
    it(`${method} ${label}: anonymous 401, customer 403, before any validation`, async () => {
      assertProblem(await call(base, method, path(), { body: body ?? undefined }), 401, `${method} ${path()} anonymous`);
      assertProblem(await call(base, method, path(), { token: bob.token, body: body ?? undefined }), 403, `${method} ${path()} customer`);
      if (body)
        assertProblem(await call(base, method, path(), { token: bob.token, body: { junk: 1 } }), 403, `${method} ${path()} bad body`);
    });
  }
  it('user routes answer 401 anonymous before validating (POST /api/orders, PATCH /api/me, cancel, recommendations for me)', async () => {
    assertProblem(await call(base, 'POST', '/api/orders', { body: { junk: true } }), 401, 'place');
    assertProblem(await call(base, 'PATCH', '/api/me', { body: { junk: true } }), 401, 'profile');
    assertProblem(await call(base, 'POST', `/api/orders/${aliceOrder}/cancel`), 401, 'cancel');
    assertProblem(await call(base, 'GET', '/api/recommendations/me?limit=0'), 401, 'recommendations');
  });
  it('an admin sees every service with its instances and the dead letters; replaying one that is not there is 404', async () => {
    const services = await call(base, 'GET', '/api/ops/services', { token: admin });
    assert.equal(services.status, 200);
    for (const name of ['identity', 'catalog', 'inventory', 'cart', 'orders', 'payments', 'recommendations']) {
      const entry = services.body.services.find((s: any) => s.name === name);
      assert.ok(entry?.instances.length >= 1, name);
      assert.ok(
        entry.instances.every((i: any) => i.id && i.url && i.status && i.startedAt),
        name,
      );
    }
    await call(base, 'GET', '/api/ops/metrics', { token: admin });
    for (let i = 0; i < 30; i++) await call(base, 'GET', '/api/products');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const metrics = await call(base, 'GET', '/api/ops/metrics', { token: admin });
    assert.equal(metrics.status, 200);
    assert.ok(!Number.isNaN(Date.parse(metrics.body.at)));
    const catalog = metrics.body.services.find((s: any) => s.name === 'catalog');
    assert.ok(catalog.rps > 0 && catalog.p99Ms > 0 && catalog.errorRate === 0, JSON.stringify(catalog));
    assert.equal(metrics.body.services.length, 7);
    // API.md's two, and the ages docs/api-additions.md adds.
    assert.deepEqual(Object.keys(metrics.body.bus).sort(), [
      'backlog',
      'deadLetters',
      'oldestOutboxAgeSeconds',
      'sagaOldestStepAgeSeconds',
    ]);
    assert.equal(metrics.body.business.windowSeconds, 60);
    const letters = await call(base, 'GET', '/api/ops/dead-letters', { token: admin });
    assert.equal(letters.status, 200);
    assert.deepEqual(Object.keys(letters.body).sort(), ['items', 'nextCursor']);
    assertProblem(await call(base, 'POST', '/api/ops/dead-letters/orders/99999/replay', { token: admin }), 404, 'replay');
    assertProblem(await call(base, 'POST', '/api/ops/dead-letters/nope/1/replay', { token: admin }), 400, 'unknown service');
  });

  it('nothing changed: the product, its stock and the order are as they were', async () => {
    assert.equal((await call(base, 'GET', `/api/products/${product.id}`)).body.name, 'Product OWASP-1');
    assert.ok((await call(base, 'GET', `/api/inventory/${product.sku}`)).body.available > 0);
    assert.equal((await alice.call('GET', `/api/orders/${aliceOrder}`)).body.status, 'confirmed');
  });
});

describe('API6 unrestricted access to sensitive business flows', () => {
  it('one cart yields one order: a replay with the same key is the same order, racing keys place one', async () => {
    const shopper = await Shopper.register(base, 'racer');
    await shopper.add(product.sku, 1);
    const key = randomUUID();
    const racing = await Promise.all([shopper.place('tok_visa', key), shopper.place('tok_visa'), shopper.place('tok_visa')]);
    const placed = racing.filter((a) => a.status === 202 || a.status === 200);
    assert.equal(new Set(placed.map((a) => a.body.id)).size, 1, racing.map((a) => a.status).join(' '));
    const replay = await shopper.place('tok_visa', key);
    assert.ok([200, 409].includes(replay.status), `replay: ${replay.status}`);
    const orders = (await shopper.call('GET', '/api/orders')).body.items;
    assert.equal(orders.length, 1);
  });

  it('the price comes from the catalog, never the client; an unknown payment token is refused', async () => {
    const shopper = await Shopper.register(base, 'tamper');
    await shopper.add(product.sku, 2);
    assertProblem(await shopper.place('tok_stolen_card'), 400, 'unknown token');
    const placed = await shopper.place('tok_visa');
    assert.deepEqual(placed.body.subtotal, { amount: 3000, currency: 'USD' });
  });
});

describe('API7 server side request forgery: every URL the platform stores or follows', () => {
  it('product images must be same-origin: a metadata-service or third-party URL is 400', async () => {
    for (const url of [
      'http://169.254.169.254/latest/meta-data',
      'https://evil.example/x.png',
      'file:///etc/passwd',
      '//evil.example/x.png',
    ]) {
      const answer = await call(base, 'PATCH', `/api/products/${product.id}`, { token: admin, body: { images: [url] } });
      assertProblem(answer, 400, url);
    }
  });

  it('no instance URL is taken from anyone without that service’s credential; the registry is not behind the gateway', async () => {
    assertProblem(await call(base, 'POST', '/instances', { body: { service: 'identity', url: 'http://169.254.169.254' } }), 404, 'gateway');
    const registered = await request(`${await platform.registryUrl()}/instances`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ service: 'catalog', url: 'http://169.254.169.254' }),
    });
    assert.equal(registered.statusCode, 401);
    await registered.body.dump();
  });
});

describe('API8 security misconfiguration', () => {
  it('security headers on every answer, no framework banner, no stack in errors', async () => {
    for (const path of ['/api/products', '/api/nope', '/api/products/%ff', '/health/live']) {
      const answer = await fetchRaw(path);
      assert.equal(answer.headers['x-content-type-options'], 'nosniff', path);
      assert.ok(answer.headers['referrer-policy'], path);
      assert.ok(answer.headers['x-request-id'], path);
      assert.equal(answer.headers['x-powered-by'], undefined, path);
      assert.equal(answer.headers['strict-transport-security'], undefined, `${path}: no HSTS over plain HTTP`);
      assert.doesNotMatch(answer.text, /at .*\.ts:\d+|node_modules|Error:/, path);
    }
  });

  it("the web app's pages carry the strict Content-Security-Policy (scripts from 'self' only) and hold no inline script", async () => {
    for (const path of ['/', '/products/some-slug?ref=mail', '/account', '/admin/products', '/ops', '/no-such-page']) {
      const answer = await fetchRaw(path);
      assert.equal(answer.status, path === '/no-such-page' ? 404 : 200, `${path}: ${answer.text.slice(0, 200)}`);
      assert.match(String(answer.headers['content-type']), /^text\/html/, path);
      const policy = new Map(
        String(answer.headers['content-security-policy'])
          .split(';')
          .map((d) => d.trim().split(/\s+/))
          .map(([name = '', ...values]) => [name, values] as const),
      );
      assert.deepEqual(
        policy.get('script-src') ?? policy.get('default-src'),
        ["'self'"],
        `${path}: ${answer.headers['content-security-policy']}`,
      );
      assert.deepEqual(policy.get('object-src'), ["'none'"], path);
      assert.ok(policy.get('frame-ancestors'), `${path}: no framing by other sites`);
      assert.equal(policy.get('upgrade-insecure-requests'), undefined, `${path}: not over plain HTTP`);
      assert.equal(answer.headers['strict-transport-security'], undefined, `${path}: no HSTS over plain HTTP`);
      assert.equal(answer.headers['x-content-type-options'], 'nosniff', path);
      // What the policy would block must not be needed: every script is a file under /assets/.
      for (const [tag] of answer.text.matchAll(/<script\b[^>]*>/gi)) assert.match(tag, /\bsrc="\/assets\/[^"]+"/, `${path}: inline ${tag}`);
      assert.doesNotMatch(answer.text, /\son[a-z]+=/i, `${path}: an inline event handler`);
    }
  });

  it('CORS answers only configured origins', async () => {
    const answer = await fetchRaw('/api/products', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    assert.equal(answer.headers['access-control-allow-origin'], undefined);
  });

  it('framework errors are problem+json: bad encoding, long parameter, long URL, unknown method', async () => {
    assertProblem(await fetchRaw('/api/products/%ff'), 400, 'bad url');
    const long = await rawSocket(`GET /api/products?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.equal(long.status, 431);
    assert.match(long.head, /application\/problem\+json/i);
    const method = await rawSocket('FOO /api/products HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(method.status, 400);
    assert.match(method.head, /application\/problem\+json/i);
    const trace = await fetchRaw('/api/products', { method: 'TRACE' });
    assert.ok(trace.status >= 400 && trace.status < 500, `TRACE: ${trace.status}`);
  });
});

describe('API9 improper inventory management', () => {
  it('every public route API.md lists is in the OpenAPI document at /docs', async () => {
    const doc = (await fetchRaw('/docs/json')).json();
    const paths = Object.keys(doc.paths ?? {});
    for (const route of [
      '/api/auth/register',
      '/api/auth/login',
      '/api/auth/refresh',
      '/api/auth/logout',
      '/api/me',
      '/api/products',
      '/api/products/{idOrSlug}',
      '/api/categories',
      '/api/inventory/{sku}',
      '/api/inventory',
      '/api/cart',
      '/api/cart/items',
      '/api/cart/items/{sku}',
      '/api/orders',
      '/api/orders/{id}',
      '/api/orders/{id}/cancel',
      '/api/admin/orders',
      '/api/admin/orders/{id}/ship',
      '/api/admin/payments/{orderId}',
      '/api/admin/inventory',
      '/api/storefront/products/{idOrSlug}',
      '/api/ops/services',
      '/api/ops/metrics',
      '/api/ops/dead-letters',
      '/api/ops/events',
      '/api/ops/traces',
      '/api/ops/traces/{traceId}',
      '/api/ops/service-map',
      '/api/ops/scaling',
    ]) {
      assert.ok(paths.includes(route), `${route} is not in /docs (has ${paths.join(', ')})`);
    }
    assert.ok(!paths.some((p) => p.startsWith('/internal') || p.startsWith('/oauth')), 'no internal route is documented');
  });

  it('no internal route is reachable by any encoding', async () => {
    for (const target of [
      `/api/cart/x\\..\\..\\..\\internal\\carts/${alice.userId}`,
      `/api/cart/%2e%2e/%2e%2e/internal/carts/${alice.userId}`,
      `/api/cart/..%2F..%2Finternal%2Fcarts/${alice.userId}`,
      `/api/orders/x/../../internal/payment-tokens/${aliceOrder}`,
      `/internal/payment-tokens/${aliceOrder}`,
      '/internal/dead-letters',
      '/openapi.json',
      '/oauth/token',
      `/api/products/%5c..%5cinternal`,
    ]) {
      for (const method of ['GET', 'POST', 'DELETE']) {
        const answer = await rawSocket(`${method} ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        assert.ok([400, 404].includes(answer.status), `${method} ${target}: ${answer.status}`);
        assert.match(answer.head, /application\/problem\+json/i, target);
      }
    }
    assert.equal((await alice.call('GET', '/api/cart')).status, 200);
  });
});

describe('API7 and API9 with a legacy app: a gateway replica that forwards unknown paths (MERCATO_LEGACY_URL)', () => {
  /** What reached the legacy app. */
  const seen: { method: string; url: string; headers: Record<string, unknown> }[] = [];
  let legacy: Server;
  let replica: Service;
  let replicaUrl: string;
  const rawToReplica = (method: string, target: string) =>
    rawHttp(Number(new URL(replicaUrl).port), `${method} ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);

  before(async () => {
    legacy = createServer((req, res) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end('legacy'));
    });
    await new Promise<void>((resolve) => legacy.listen(0, '127.0.0.1', resolve));
    const { clients } = await platform.secrets();
    replica = await createService(gatewayDefinition(), {
      LOG_LEVEL: 'silent',
      GATEWAY_PORT: '0',
      MERCATO_REGISTRY_URL: await platform.registryUrl(),
      MERCATO_CLIENT_ID: 'gateway',
      MERCATO_CLIENT_SECRET: clients.gateway ?? '',
      MERCATO_RATE_LIMIT_ANON: '0',
      MERCATO_RATE_LIMIT_USER: '0',
      MERCATO_RATE_LIMIT_AUTH: '0',
      MERCATO_LEGACY_URL: `http://127.0.0.1:${(legacy.address() as AddressInfo).port}`,
    });
    replicaUrl = await replica.start();
    await waitFor('the replica to see every service', () =>
      ['identity', 'cart', 'orders'].every((s) => (replica.context.discovery?.instances(s).length ?? 0) > 0),
    );
  });
  after(async () => {
    await replica?.stop();
    legacy?.closeAllConnections();
    legacy?.close();
  });

  it('an unknown path reaches the legacy app, with x-request-id and without any credential of the platform', async () => {
    seen.length = 0;
    const answer = await request(`${replicaUrl}/old/page?a=1`, { headers: { 'x-request-id': 'owasp-legacy-1' } });
    assert.equal(answer.statusCode, 200);
    assert.equal(await answer.body.text(), 'legacy');
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.url, '/old/page?a=1');
    assert.equal(seen[0]?.headers['x-request-id'], 'owasp-legacy-1');
    assert.equal(seen[0]?.headers.authorization, undefined, "an anonymous call gets no gateway token, unlike the API's services");
  });

  it('no internal route, API path, page or traversal is forwarded to it, by any method or encoding', async () => {
    seen.length = 0;
    for (const target of [
      `/internal/carts/${alice.userId}`,
      `/internal/payment-tokens/${aliceOrder}`,
      '/%69nternal/dead-letters',
      '/openapi.json',
      '/oauth/token',
      '/api/nope',
      `/old/..%2F..%2Finternal%2Fcarts/${alice.userId}`,
      '/old/%2e%2e/internal/dead-letters',
      '/old/../internal/dead-letters',
      '/old\\..\\internal',
      '/old//internal',
      '/assets/..%2f..%2fpackage.json',
    ]) {
      for (const method of ['GET', 'POST', 'DELETE']) {
        const answer = await rawToReplica(method, target);
        assert.ok([400, 404].includes(answer.status), `${method} ${target}: ${answer.status}`);
        assert.match(answer.head, /content-type: application\/problem\+json/i, `${method} ${target}`);
      }
    }
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const answer = await rawToReplica(method, '/cart');
      assert.equal(answer.status, 404, `${method} /cart: a page's path stays the web app's`);
      assert.match(answer.head, /content-type: application\/problem\+json/i);
    }
    assert.equal((await rawToReplica('GET', '/products/x?y=1')).status, 200, 'a page is the web app’s');
    assert.deepEqual(seen, [], 'the legacy app was never called');
  });

  it('a path cannot steer the forward to another host: it is only ever appended to the legacy app’s URL', async () => {
    seen.length = 0;
    for (const target of ['/@169.254.169.254/latest/meta-data', '/%40evil.example/x', '/:80@evil.example/x']) {
      const answer = await rawToReplica('GET', target);
      assert.equal(answer.status, 200, `${target}: ${answer.status}`);
      assert.match(answer.body, /legacy/, target);
    }
    assert.deepEqual(
      seen.map((s) => s.url),
      ['/@169.254.169.254/latest/meta-data', '/%40evil.example/x', '/:80@evil.example/x'],
    );
    assert.equal((await rawToReplica('GET', '//evil.example/x')).status, 400, 'a protocol-relative path is not canonical');
  });
});

describe('API10 unsafe consumption of APIs: a service answering garbage or hanging', () => {
  let rogue: Server;
  before(async () => {
    // An instance that answers garbage to half the requests and never answers the other half, registered
    // with the recommendations credential (as a broken deploy of that service would be).
    let n = 0;
    rogue = createServer((_req, res) => {
      n += 1;
      if (n % 2 === 0) return; // hangs
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"items": [garbage');
    });
    await new Promise<void>((resolve) => rogue.listen(0, '127.0.0.1', resolve));
    const { clients } = await platform.secrets();
    const registered = await request(`${await platform.registryUrl()}/instances`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: basicAuthorization({ clientId: 'recommendations', clientSecret: clients.recommendations ?? '' }),
      },
      body: JSON.stringify({ service: 'recommendations', url: `http://127.0.0.1:${(rogue.address() as AddressInfo).port}` }),
    });
    assert.equal(registered.statusCode, 201);
    await registered.body.dump();
  });
  after(() => {
    rogue.closeAllConnections();
    rogue.close();
  });

  it('the product page still comes (recommendations null) within the bound, and the gateway keeps serving', async () => {
    await waitFor('the gateway to know two recommendations instances', async () => {
      const ready = (await fetchRaw('/health/ready')).json();
      return ready.services?.recommendations === 2;
    });
    for (let i = 0; i < 6; i++) {
      const started = Date.now();
      const page = await fetchRaw(`/api/storefront/products/${product.slug}`);
      assert.equal(page.status, 200, page.text);
      assert.equal(page.json().product.id, product.id);
      assert.ok(Date.now() - started < 5_000, `page took ${Date.now() - started} ms`);
    }
    const direct = await fetchRaw(`/api/recommendations?productId=${product.id}`);
    assert.ok(direct.status < 500 || direct.headers['content-type']?.toString().startsWith('application/problem+json'), `${direct.status}`);
    assert.equal((await fetchRaw('/health/live')).status, 200);
    assert.equal((await fetchRaw('/api/products')).status, 200, 'other services are untouched');
  });
});
