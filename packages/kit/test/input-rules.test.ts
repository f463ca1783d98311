import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Principal } from '../src/auth/principal.ts';
import { createHttpApp } from '../src/http-app.ts';
import { createLogger } from '../src/logger.ts';
import { createMetrics } from '../src/metrics.ts';

const principals: Record<string, Principal> = {
  customer: { kind: 'user', userId: 'u1', roles: ['customer'], token: 't' },
  admin: { kind: 'user', userId: 'u2', roles: ['customer', 'admin'], token: 't' },
};

const Item = Type.Object(
  {
    name: Type.String({ maxLength: 100 }),
    quantity: Type.Integer({ minimum: 1, maximum: 99 }),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    tags: Type.Optional(Type.Array(Type.String({ maxLength: 20 }), { maxItems: 5 })),
  },
  { additionalProperties: false },
);
const ListQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })), q: Type.Optional(Type.String({ maxLength: 50 })) },
  { additionalProperties: false },
);

let app: FastifyInstance;
const stored: unknown[] = [];

before(async () => {
  app = createHttpApp({
    log: createLogger({ service: 'test', instance: 't', level: 'silent' }),
    metrics: createMetrics({ service: 'test', instance: 't' }),
  });
  app.addHook('onRequest', async (request) => {
    const who = request.headers['x-test-principal'];
    request.principal = typeof who === 'string' ? principals[who] : undefined;
  });
  app.post('/items', { schema: { body: Item } }, async (request) => {
    stored.push(request.body);
    return { stored: request.body };
  });
  app.get('/items', { schema: { querystring: ListQuery } }, async (request) => ({ query: request.query }));
  app.get('/items/:n', { schema: { params: Type.Object({ n: Type.Integer({ minimum: 1 }) }) } }, async (request) => request.params);
  app.get('/plain', async () => ({ ok: true }));
  app.patch('/mine', { config: { access: 'user' }, schema: { body: Item } }, async () => ({ ok: true }));
  app.put('/staff', { config: { access: 'admin' }, schema: { body: Item } }, async () => ({ ok: true }));
  await app.ready();
});
after(() => app.close());

const post = (payload: string | Buffer, url = '/items', method: 'POST' | 'PATCH' | 'PUT' = 'POST', as?: string) =>
  app.inject({ method, url, payload, headers: { 'content-type': 'application/json', ...(as ? { 'x-test-principal': as } : {}) } });

describe('input rules, for every route of every service', () => {
  it('takes bodies as written: no coercion of "3", " 3", "0x10", true or [2] to a number, nor of true to a string', async () => {
    stored.length = 0;
    for (const quantity of ['"3"', '" 3"', '"0x10"', 'true', '[2]', '"1e400"']) {
      const answer = await post(`{"name":"mug","quantity":${quantity}}`);
      assert.equal(answer.statusCode, 400, quantity);
      assert.equal(answer.json().errors[0].pointer, '#/quantity');
    }
    assert.equal((await post('{"name":true,"quantity":1}')).statusCode, 400);
    assert.equal(stored.length, 0, 'nothing rejected reached a handler');
    assert.deepEqual((await post('{"name":"mug","quantity":3}')).json().stored, { name: 'mug', quantity: 3 });
  });

  it('refuses numbers that are not finite (1e400) and strings with control characters; a description may hold \\n and \\t', async () => {
    assert.equal((await post('{"name":"mug","quantity":1e400}')).statusCode, 400);
    for (const name of ['"a\\u0000b"', '"line\\nbreak"', '"tab\\tbed"', '"del\\u007f"']) {
      const answer = await post(`{"name":${name},"quantity":1}`);
      assert.equal(answer.statusCode, 400, name);
      assert.match(answer.headers['content-type'] as string, /application\/problem\+json/);
      assert.equal(answer.json().errors[0].pointer, '#/name');
    }
    assert.equal((await post('{"name":"mug","quantity":1,"tags":["ok","n\\u0000l"]}')).json().errors[0].pointer, '#/tags/1');
    assert.equal((await post('{"name":"mug","quantity":1,"description":"two\\nlines\\tand a tab"}')).statusCode, 200);
    assert.equal((await post('{"name":"mug","quantity":1,"description":"nul\\u0000"}')).statusCode, 400);
  });

  it('refuses a body that is not UTF-8 (never stored as U+FFFD) and a __proto__ field', async () => {
    const invalidUtf8 = Buffer.concat([Buffer.from('{"name":"caf'), Buffer.from([0xe9]), Buffer.from('","quantity":1}')]);
    const answer = await post(invalidUtf8);
    assert.equal(answer.statusCode, 400);
    assert.match(answer.json().detail, /UTF-8/);
    assert.equal((await post('{"name":"mug","quantity":1,"__proto__":{"admin":true}}')).statusCode, 400);
    assert.equal((await post('{"name":"café","quantity":1}')).statusCode, 200);
  });

  it('checks a body nested as deep as 1 MiB allows (no stack overflow, no 500), and still finds what is wrong inside', async () => {
    for (const body of [`${'['.repeat(200_000)}${']'.repeat(200_000)}`, `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`]) {
      const answer = await post(body);
      assert.equal(answer.statusCode, 400, answer.body.slice(0, 200));
      assert.match(answer.headers['content-type'] as string, /application\/problem\+json/);
    }
    const deep = await post(`{"name":"mug","quantity":1,"tags":${'['.repeat(50_000)}"\\u0000"${']'.repeat(50_000)}}`);
    assert.equal(deep.statusCode, 400);
    assert.match(deep.json().errors[0].pointer, /^#\/tags(\/0)+$/, 'the control character, found at the bottom');
    assert.equal(deep.json().errors[0].detail, 'must not hold control characters');
    const order = await post('{"name":"a\\u0001","quantity":1,"tags":["b\\u0002"]}');
    assert.equal(order.json().errors[0].pointer, '#/name', 'the first broken value in document order');
  });

  it('takes query and path numbers as plain decimal digits only', async () => {
    for (const limit of ['1e1', '0x10', '%203', '+3', '-3', '1e400', '3.0', 'Infinity', '']) {
      const answer = await app.inject({ method: 'GET', url: `/items?limit=${limit}` });
      assert.equal(answer.statusCode, 400, `limit=${limit}`);
      assert.equal(answer.json().errors[0].parameter, 'limit');
    }
    assert.deepEqual((await app.inject({ method: 'GET', url: '/items?limit=20' })).json().query, { limit: 20 });
    assert.equal((await app.inject({ method: 'GET', url: '/items/0x1' })).statusCode, 400);
    assert.deepEqual((await app.inject({ method: 'GET', url: '/items/7' })).json(), { n: 7 });
  });

  it('refuses query text with control characters or bytes that are not UTF-8', async () => {
    for (const q of ['%00', 'a%0Ab', '%ff', '%C3%28', '%']) {
      const answer = await app.inject({ method: 'GET', url: `/items?q=${q}` });
      assert.equal(answer.statusCode, 400, `q=${q}`);
      assert.match(answer.headers['content-type'] as string, /application\/problem\+json/);
    }
    assert.equal((await app.inject({ method: 'GET', url: '/items?q=caf%C3%A9' })).statusCode, 200);
  });

  it('a route without a query-string schema takes no query parameters', async () => {
    const answer = await app.inject({ method: 'GET', url: '/plain?debug=1' });
    assert.equal(answer.statusCode, 400);
    assert.equal(answer.json().errors[0].parameter, 'debug');
    assert.equal((await app.inject({ method: 'GET', url: '/plain' })).statusCode, 200);
  });

  it('checks the caller before the input: 401 anonymous, 403 customer on a staff route, then 400', async () => {
    const bad = '{"name":1}';
    assert.equal((await post(bad, '/mine', 'PATCH')).statusCode, 401);
    assert.equal((await post(bad, '/mine', 'PATCH', 'customer')).statusCode, 400);
    assert.equal((await post(bad, '/staff', 'PUT')).statusCode, 401);
    assert.equal((await post(bad, '/staff', 'PUT', 'customer')).statusCode, 403);
    assert.equal((await post(bad, '/staff', 'PUT', 'admin')).statusCode, 400);
    assert.equal((await post('{"name":"x","quantity":1}', '/staff', 'PUT', 'admin')).statusCode, 200);
  });
});
