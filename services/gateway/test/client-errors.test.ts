import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createService, type Service } from '@mercato/kit';
import { waitFor } from '@mercato/kit/testing';
import { registryDefinition } from '@mercato/registry';
import { gatewayDefinition } from '../src/app.ts';
import { configureResilience } from '../src/resilience.ts';

const quiet = { LOG_LEVEL: 'silent', MERCATO_AUTH: 'off' };
let registry: Service;
let catalog: Service;
let gateway: Service;
let gatewayUrl: string;
/** The headers each call reached the catalog with. */
const seen: Record<string, string | string[] | undefined>[] = [];

/** node:http sends any header the way a client may (undici refuses `expect` and `upgrade` itself). */
function call(path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
    const req = httpRequest(`${gatewayUrl}${path}`, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.on('continue', () => req.end(options.body));
    if (options.headers?.expect) req.flushHeaders();
    else req.end(options.body);
  });
}

before(async () => {
  registry = await createService(registryDefinition(), { ...quiet, REGISTRY_TTL_SECONDS: '5' });
  const registryUrl = await registry.start();
  catalog = await createService(
    {
      name: 'catalog',
      routes(app) {
        app.get('/api/products', { config: { anyQuery: true } }, async (request) => {
          seen.push({ ...request.headers, ':query': request.url.split('?')[1] });
          return { items: [], nextCursor: null };
        });
        app.post('/api/products', async (request) => {
          seen.push({ ...request.headers });
          return { received: request.body };
        });
      },
    },
    { ...quiet, MERCATO_REGISTRY_URL: registryUrl, MERCATO_HEARTBEAT_MS: '200' },
  );
  await catalog.start();
  gateway = await createService(gatewayDefinition(), {
    ...quiet,
    GATEWAY_PORT: '0',
    MERCATO_REGISTRY_URL: registryUrl,
    MERCATO_RATE_LIMIT_ANON: '0',
    // Every abuse below must reach the catalog: the gateway's listing cache would answer instead.
    GATEWAY_LISTING_CACHE_MS: '0',
  });
  gatewayUrl = await gateway.start();
  const discovery = gateway.context.discovery;
  if (!discovery) throw new Error('the gateway has no discovery');
  // Trips after 3 failures in a row: the abuse below sends 10 of each kind.
  configureResilience(discovery, { breaker: { failureThreshold: 3, halfOpenAfterMs: 60_000 } });
  await waitFor('the gateway to know the catalog', () => (discovery.instances('catalog').length ?? 0) > 0);
});

after(async () => {
  await gateway.stop();
  await catalog.stop();
  await registry.stop();
});

/** undici opens its own `connection: keep-alive` to the service; the client's Connection value must not travel. */
const HOP_BY_HOP = ['keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'expect', 'x-private-hop'];

describe("a client's error never opens an upstream's circuit", () => {
  const abuses: [string, Parameters<typeof call>[1] & { path?: string }][] = [
    ['Expect: 100-continue', { method: 'POST', headers: { expect: '100-continue', 'content-type': 'application/json' }, body: '{"a":1}' }],
    ['Upgrade: websocket', { headers: { connection: 'Upgrade', upgrade: 'websocket' } }],
    ['Keep-Alive: timeout=5', { headers: { connection: 'keep-alive', 'keep-alive': 'timeout=5' } }],
    ['TE: trailers', { headers: { te: 'trailers' } }],
    ['a header named in Connection', { headers: { connection: 'x-private-hop', 'x-private-hop': 'secret' } }],
    ['Proxy-Connection', { headers: { 'proxy-connection': 'keep-alive' } }],
  ];
  for (const [name, options] of abuses) {
    it(`${name}: answered without a 5xx, forwarded without hop-by-hop headers`, async () => {
      seen.length = 0;
      for (let i = 0; i < 10; i++) {
        const answer = await call('/api/products', options);
        assert.ok(answer.status < 500, `${name}: ${answer.status} ${answer.body}`);
      }
      assert.ok(seen.length > 0, 'the calls reached the service');
      for (const headers of seen) {
        for (const header of HOP_BY_HOP) assert.equal(headers[header], undefined, `${header} reached the service`);
        assert.ok([undefined, 'keep-alive'].includes(headers.connection as string), `connection: ${headers.connection}`);
      }
      assert.equal((await call('/api/products')).status, 200, 'the circuit is still closed');
    });
  }

  it('?q=%ff (not UTF-8) and other undecodable query strings: 400 problem+json at the gateway, the service never called', async () => {
    seen.length = 0;
    for (const query of ['q=%ff', 'q=%C3%28', '%ff=1', 'q=%', 'q=%zz', 'limit=%E0%80%80']) {
      for (let i = 0; i < 4; i++) {
        const answer = await call(`/api/products?${query}`);
        assert.equal(answer.status, 400, `${query}: ${answer.status}`);
        assert.match(answer.type, /application\/problem\+json/);
      }
    }
    assert.equal(seen.length, 0);
    assert.equal((await call('/api/products?q=caf%C3%A9')).status, 200, 'valid UTF-8 passes, and the circuit is closed');
  });

  it('a query holding ../ travels verbatim (the path rule is not the query rule); a segment reply-from refuses (…, ..x) is 400, never a 500', async () => {
    seen.length = 0;
    for (let i = 0; i < 4; i++) {
      for (const query of ['q=../etc', 'q=%2F..%2F', '%2F..%2F&q=a']) {
        const answer = await call(`/api/products?${query}`);
        assert.equal(answer.status, 200, `${query}: ${answer.status} ${answer.body}`);
      }
      for (const path of ['/api/products/...', '/api/products/..x', '/api/products/a../b']) {
        const answer = await call(path);
        assert.equal(answer.status, 400, `${path}: ${answer.status} ${answer.body}`);
        assert.match(answer.type, /application\/problem\+json/);
      }
    }
    assert.deepEqual(
      seen.map((headers) => headers[':query']),
      Array.from({ length: 4 }, () => ['q=../etc', 'q=%2F..%2F', '%2F..%2F&q=a']).flat(),
      'the service saw each query string as sent',
    );
    assert.equal((await call('/api/products')).status, 200, 'the circuit is still closed');
  });
});
