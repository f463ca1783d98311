import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createHttpApp } from '../src/http-app.ts';
import { createLogger } from '../src/logger.ts';
import { createMetrics } from '../src/metrics.ts';
import { rawHttp } from '../src/testing/raw-http.ts';

let app: FastifyInstance;
let port: number;

const raw = (request: string, trickle?: { everyMs: number }) => rawHttp(port, request, { trickleMs: trickle?.everyMs });

before(async () => {
  app = createHttpApp({
    log: createLogger({ service: 'test', instance: 't', level: 'silent' }),
    metrics: createMetrics({ service: 'test', instance: 't' }),
    requestTimeoutMs: 1_500,
  });
  app.get('/api/products/:id', async () => ({ ok: true }));
  app.post('/echo', async (request) => request.body);
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as AddressInfo).port;
});
after(() => app.close());

const close = 'Host: x\r\nConnection: close\r\n\r\n';

describe('framework and connection errors are problem+json', () => {
  const cases: [string, string, number][] = [
    ['a URL whose percent-encoding is not UTF-8', `GET /api/products/%ff HTTP/1.1\r\n${close}`, 400],
    ['a path parameter over the limit', `GET /api/products/${'a'.repeat(300)} HTTP/1.1\r\n${close}`, 414],
    ['a request line over 16 KiB', `GET /api/products/x?${'a'.repeat(20_000)} HTTP/1.1\r\n${close}`, 431],
    ['an unknown method', `FOO /api/products/x HTTP/1.1\r\n${close}`, 400],
    ['a line that is not HTTP', 'HELLO\r\n\r\n', 400],
    [
      'CONNECT (this is no proxy; Node alone dropped the connection without an answer)',
      'CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n',
      405,
    ],
    ['an Expect other than 100-continue (Node alone answers an empty 417)', `GET /api/products/x HTTP/1.1\r\nExpect: foo\r\n${close}`, 417],
    [
      'an HTTP/1.1 request without Host (Node alone answers an empty 400)',
      'GET /api/products/x HTTP/1.1\r\nConnection: close\r\n\r\n',
      400,
    ],
    [
      'an Upgrade with a chunked body, its chunk malformed (Node alone held the connection without an answer)',
      'OPTIONS /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n0xd\r\n0\r\n\r\n',
      400,
    ],
    [
      'Content-Length with Transfer-Encoding (request smuggling)',
      'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n',
      400,
    ],
  ];
  for (const [name, request, status] of cases) {
    it(`${name} → ${status}`, async () => {
      const answer = await raw(request);
      assert.equal(answer.status, status, answer.body);
      assert.match(answer.contentType, /^application\/problem\+json/);
      assert.equal(JSON.parse(answer.body).status, status);
    });
  }

  it('a request line Node refuses, its body still on the way, gets its 400 rather than a reset', async () => {
    const body = 'x'.repeat(2_000_000);
    const answer = await raw(`GET /api/products/x?limit=\u00e9 HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    assert.equal(answer.status, 400, answer.head);
    assert.match(answer.contentType, /^application\/problem\+json/);
  });

  it('an Upgrade without a body is answered as plain HTTP/1.1 (nothing here upgrades)', async () => {
    const answer = await raw('GET /api/products/x HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, close\r\nUpgrade: websocket\r\n\r\n');
    assert.equal(answer.status, 200, answer.body);
    assert.deepEqual(JSON.parse(answer.body), { ok: true });
  });

  it('a client that trickles its body one byte at a time gets 408 within the bound, and the connection is closed', async () => {
    const answer = await raw('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{', {
      everyMs: 200,
    });
    assert.equal(answer.status, 408, answer.body);
    assert.match(answer.contentType, /^application\/problem\+json/);
    assert.ok(answer.ms < 5_000, `closed after ${answer.ms} ms`);
  });

  it('a client that never finishes its headers gets 408 too', async () => {
    const answer = await raw('GET /api/products/x HTTP/1.1\r\nHost: x\r\nX-Slow: ', { everyMs: 200 });
    assert.equal(answer.status, 408, answer.body);
    assert.ok(answer.ms < 5_000, `closed after ${answer.ms} ms`);
  });
});
