import assert from 'node:assert/strict';
import { type AddressInfo, connect } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { BODY_LIMIT_BYTES, createHttpApp } from '../src/http-app.ts';
import { createLogger } from '../src/logger.ts';
import { createMetrics } from '../src/metrics.ts';

// A body over the limit is refused before it is read. The client is usually still sending it then:
// if the connection is cut under it, its next write fails (EPIPE) and it may never read the 413 (the
// platform fuzz suite saw exactly that in CI, on a loaded machine).

let app: FastifyInstance;
let origin: string;

before(async () => {
  app = createHttpApp({
    log: createLogger({ service: 'test', instance: 't', level: 'silent' }),
    metrics: createMetrics({ service: 'test', instance: 't' }),
    requestTimeoutMs: 5_000,
  });
  app.post('/echo', async (req) => req.body);
  await app.listen({ port: 0, host: '127.0.0.1' });
  origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
after(() => app.close());

/** 1.2 MiB sent in 64 KiB pieces with a pause after each: a client slower than the server's answer. */
async function* slowBody(): AsyncGenerator<Buffer> {
  const piece = Buffer.alloc(64 * 1024, 'a');
  for (let sent = 0; sent < BODY_LIMIT_BYTES * 1.2; sent += piece.length) {
    yield piece;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('a body over the limit', () => {
  it('a client still sending it reads the 413 problem, its connection not cut under it', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const length = Math.ceil((BODY_LIMIT_BYTES * 1.2) / (64 * 1024)) * 64 * 1024;
      const answer = await request(`${origin}/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(length) },
        body: Readable.from(slowBody()),
      });
      assert.equal(answer.statusCode, 413);
      assert.match(String(answer.headers['content-type']), /^application\/problem\+json/);
      assert.equal(((await answer.body.json()) as { status: number }).status, 413);
    }
  });

  it('the rest of the body is read and dropped, so the connection carries the next request (no reset under the client)', async () => {
    const port = Number(new URL(origin).port);
    const big = 'a'.repeat(Math.round(BODY_LIMIT_BYTES * 1.2));
    const first = `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${big.length}\r\n\r\n${big}`;
    const second = 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}';
    const received = await new Promise<string>((resolve, reject) => {
      let text = '';
      const socket = connect(port, '127.0.0.1', () => socket.write(first + second));
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        text += chunk;
      });
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
      socket.setTimeout(10_000, () => reject(new Error(`no end within 10 s; received: ${text.slice(0, 300)}`)));
    });
    const statuses = [...received.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
    assert.deepEqual(statuses, [413, 200], received.slice(0, 600));
  });

  it('a body announced far beyond what is worth reading is refused and the connection closed', async () => {
    const answer = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json', 'content-length': String(1024 ** 3) },
      payload: '{}',
    });
    assert.equal(answer.statusCode, 413);
    assert.equal(answer.headers.connection, 'close');
  });
});
