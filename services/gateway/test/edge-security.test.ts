import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { type SecurePlatform, startSecurePlatform } from './support/secure-platform.ts';

let platform: SecurePlatform;
let gatewayUrl: string;

async function call(path: string, options: { method?: 'GET' | 'POST'; token?: string; body?: unknown } = {}) {
  const response = await request(`${gatewayUrl}${path}`, {
    method: options.method ?? 'GET',
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body ? { 'content-type': 'application/json' } : {}),
    },
    body: options.body ? JSON.stringify(options.body) : undefined,
  });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

before(async () => {
  platform = await startSecurePlatform({
    gatewayEnv: {
      MERCATO_RATE_LIMIT_ANON: '0',
      MERCATO_RATE_LIMIT_USER: '0',
      MERCATO_RATE_LIMIT_AUTH: '0',
      MERCATO_CORS_ORIGINS: 'https://shop.example',
      // These tests follow a listing's call to the service that answers it: the gateway's listing cache would answer instead.
      GATEWAY_LISTING_CACHE_MS: '0',
    },
  });
  gatewayUrl = platform.gatewayUrls[0] ?? '';
});
after(() => platform.stop());

describe('the secure gateway', () => {
  it("an anonymous call reaches a service with the gateway's service token", async () => {
    const { status, body } = await call('/api/products');
    assert.equal(status, 200);
    assert.equal(body.principal, 'service:gateway');
  });

  it("a signed-in shopper's token travels to the service, which verifies it again", async () => {
    const registered = await call('/api/auth/register', {
      method: 'POST',
      body: { email: 'ada@shop.test', password: 'long enough pw', name: 'Ada' },
    });
    assert.equal(registered.status, 201);
    const { status, body } = await call('/api/products', { token: registered.body.accessToken });
    assert.equal(status, 200);
    assert.equal(body.principal, `user:${registered.body.user.id}`);
    const me = await call('/api/me', { token: registered.body.accessToken });
    assert.equal(me.body.email, 'ada@shop.test');
  });

  it('refuses a bad token at the edge with 401 problem+json, before any service is called', async () => {
    const before = platform.calls.length;
    for (const token of ['not-a-jwt', 'a.b.c', `${Buffer.from('{"alg":"none"}').toString('base64url')}.e30.`]) {
      const response = await call('/api/products', { token });
      assert.equal(response.status, 401, token);
      assert.match(String(response.headers['content-type']), /application\/problem\+json/);
    }
    assert.equal(platform.calls.length, before);
  });

  it('a service port called directly without a token answers 401; /health/* stays open', async () => {
    const catalogUrl = platform.catalog.context.discovery?.instances('catalog')[0]?.url;
    assert.ok(catalogUrl);
    const bare = await request(`${catalogUrl}/api/products`);
    assert.equal(bare.statusCode, 401);
    await bare.body.dump();
    const health = await request(`${catalogUrl}/health/live`);
    assert.equal(health.statusCode, 200);
    await health.body.dump();
  });

  it('answers with security headers and a request id', async () => {
    const { headers } = await call('/api/products');
    assert.equal(headers['x-content-type-options'], 'nosniff');
    assert.ok(headers['referrer-policy']);
    assert.ok(headers['content-security-policy']);
    assert.ok(headers['x-request-id']);
  });

  it('sends neither Strict-Transport-Security nor upgrade-insecure-requests over plain HTTP', async () => {
    const { headers } = await call('/api/products');
    assert.equal(headers['strict-transport-security'], undefined);
    assert.doesNotMatch(String(headers['content-security-policy']), /upgrade-insecure-requests/);
  });

  it('allows cross-origin calls only from the configured origins', async () => {
    const preflight = (origin: string) =>
      request(`${gatewayUrl}/api/products`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
    const allowed = await preflight('https://shop.example');
    assert.equal(allowed.headers['access-control-allow-origin'], 'https://shop.example');
    await allowed.body.dump();
    const other = await preflight('https://evil.example');
    assert.equal(other.headers['access-control-allow-origin'], undefined);
    await other.body.dump();
  });

  it('serves the merged public OpenAPI document at /docs', async () => {
    const { status, body } = await call('/docs/json');
    assert.equal(status, 200);
    assert.ok(body.paths['/api/auth/login'], 'identity paths are merged in');
    assert.equal(body.paths['/health/live'], undefined, 'internal paths are left out');
  });
});
