import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createService, type Service } from '@mercato/kit';
import { waitFor } from '@mercato/kit/testing';
import { registryDefinition } from '@mercato/registry';
import { request } from 'undici';
import { gatewayDefinition } from '../src/app.ts';

const quiet = { LOG_LEVEL: 'silent', MERCATO_AUTH: 'off' };
const TTL_MS = 400;
let registry: Service;
let catalog: Service;
let gateway: Service;
let gatewayUrl: string;
/** The listing calls that reached the catalog, by URL. */
let listingCalls: string[] = [];
let version = 1;

async function call(path: string, options: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: unknown } = {}) {
  const answer = await request(`${gatewayUrl}${path}`, {
    method: options.method ?? 'GET',
    headers: { ...options.headers, ...(options.body ? { 'content-type': 'application/json' } : {}) },
    body: options.body ? JSON.stringify(options.body) : undefined,
  });
  const text = await answer.body.text();
  return { status: answer.statusCode, headers: answer.headers, text };
}

before(async () => {
  registry = await createService(registryDefinition(), { ...quiet, REGISTRY_TTL_SECONDS: '5' });
  const registryUrl = await registry.start();
  catalog = await createService(
    {
      name: 'catalog',
      routes(app) {
        app.get('/api/products', { config: { anyQuery: true } }, async (request, reply) => {
          listingCalls.push(request.url);
          if (request.url.includes('sort=bogus')) {
            return reply.code(400).type('application/problem+json').send({ status: 400, title: 'Bad Request', detail: 'bad sort' });
          }
          return reply
            .header('etag', `W/"v${version}"`)
            .header('cache-control', 'public, max-age=1')
            .send({ items: [{ version }], nextCursor: null });
        });
        app.get('/api/categories', async () => {
          listingCalls.push('/api/categories');
          return { items: [], nextCursor: null };
        });
        app.post('/api/products', async (_request, reply) => {
          version++;
          return reply.code(201).send({ version });
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
    GATEWAY_LISTING_CACHE_MS: String(TTL_MS),
  });
  gatewayUrl = await gateway.start();
  const discovery = gateway.context.discovery;
  await waitFor('the gateway to know the catalog', () => (discovery?.instances('catalog').length ?? 0) > 0);
});

after(async () => {
  await gateway.stop();
  await catalog.stop();
  await registry.stop();
});

beforeEach(async () => {
  // Each test starts after the previous one's answers ran out.
  await new Promise((resolve) => setTimeout(resolve, TTL_MS + 50));
  listingCalls = [];
});

describe('the gateway answers catalog listings from a short cache', () => {
  it('a burst of one listing costs the catalog one call; every caller gets the same body, ETag and Cache-Control', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => call('/api/products?category=mugs&limit=20')));
    assert.equal(listingCalls.length, 1, listingCalls.join(', '));
    for (const answer of answers) {
      assert.equal(answer.status, 200);
      assert.equal(answer.text, answers[0]?.text);
      assert.equal(answer.headers.etag, `W/"v${version}"`);
      assert.equal(answer.headers['cache-control'], 'public, max-age=1');
      assert.match(String(answer.headers['content-type']), /^application\/json/);
      assert.ok(answer.headers['x-request-id'], 'a cached answer still carries its own x-request-id');
    }
    assert.notEqual(answers[0]?.headers['x-request-id'], answers[1]?.headers['x-request-id']);
  });

  it('another query is another listing; /api/categories is cached too', async () => {
    await call('/api/products?category=mugs');
    await call('/api/products?category=lamps');
    await call('/api/products?category=mugs');
    await call('/api/categories');
    await call('/api/categories');
    assert.deepEqual(listingCalls, ['/api/products?category=mugs', '/api/products?category=lamps', '/api/categories']);
  });

  it('If-None-Match with the current ETag is a 304 without a body, answered from the cache', async () => {
    const first = await call('/api/products?q=tea');
    const again = await call('/api/products?q=tea', { headers: { 'if-none-match': String(first.headers.etag) } });
    assert.equal(again.status, 304);
    assert.equal(again.text, '');
    const other = await call('/api/products?q=tea', { headers: { 'if-none-match': 'W/"old"' } });
    assert.equal(other.status, 200);
    assert.equal(listingCalls.length, 1);
  });

  it('answers run out after the TTL: the next call asks the catalog again', async () => {
    await call('/api/products?category=tea');
    await new Promise((resolve) => setTimeout(resolve, TTL_MS + 50));
    await call('/api/products?category=tea');
    assert.equal(listingCalls.length, 2);
  });

  it('a catalog write through the gateway is forwarded and empties the cache: the next listing shows it', async () => {
    const before = await call('/api/products?category=new');
    const created = await call('/api/products', { method: 'POST', body: { name: 'x' } });
    assert.equal(created.status, 201, created.text);
    const afterWrite = await call('/api/products?category=new');
    assert.equal(listingCalls.length, 2);
    assert.notEqual(afterWrite.text, before.text);
    assert.equal(afterWrite.headers.etag, `W/"v${version}"`);
  });

  it("the catalog's 4xx is passed on as it came and never kept", async () => {
    for (let i = 0; i < 2; i++) {
      const refused = await call('/api/products?sort=bogus');
      assert.equal(refused.status, 400);
      assert.match(String(refused.headers['content-type']), /^application\/problem\+json/);
      assert.equal(JSON.parse(refused.text).detail, 'bad sort');
    }
    assert.equal(listingCalls.length, 2);
  });
});
