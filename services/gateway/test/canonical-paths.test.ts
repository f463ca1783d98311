import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rawHttp } from '@mercato/kit/testing';
import { type SecurePlatform, startSecurePlatform } from './support/secure-platform.ts';

let platform: SecurePlatform;
let port: number;

/** Sends the request line exactly as written (no client normalises it) and reads the answer. */
const raw = (method: string, target: string) =>
  rawHttp(port, `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);

before(async () => {
  platform = await startSecurePlatform({ gatewayEnv: { MERCATO_RATE_LIMIT_ANON: '0', MERCATO_RATE_LIMIT_AUTH: '0' } });
  port = Number(new URL(platform.gatewayUrls[0] ?? '').port);
});
after(() => platform.stop());

const TRAVERSALS = [
  '/api/products/x\\..\\..\\..\\internal\\carts/u1',
  '/api/products\\..\\internal',
  '/api/products/x/../../internal/carts/u1',
  '/api/products/./x',
  '/api/products/%2e%2e/%2e%2e/internal/carts/u1',
  '/api/products/%2E%2e/internal',
  '/api/products/.%2e/internal',
  '/api/products/x%2f..%2f..%2finternal',
  '/api/products/x%2F..',
  '/api/products/x%5c..%5cinternal',
  '/api/products/x%5C..',
  '/api/products/x%00',
  '/api/products//internal',
  '/api/auth/x/../login',
  '/api/auth\\login',
  '/api/products/..',
];

describe('the gateway forwards canonical paths only', () => {
  for (const target of TRAVERSALS) {
    it(`refuses ${JSON.stringify(target)} with 400 problem+json and calls no service`, async () => {
      const calls = platform.calls.length;
      for (const method of ['GET', 'DELETE', 'POST']) {
        const answer = await raw(method, target);
        assert.equal(answer.status, 400, `${method} ${target}: ${answer.body}`);
        assert.match(answer.contentType, /application\/problem\+json/);
      }
      assert.equal(platform.calls.length, calls);
    });
  }

  it('keeps an encoded slash in the query string working (q=AC%2FDC)', async () => {
    const answer = await raw('GET', '/api/products?q=AC%2FDC');
    assert.equal(answer.status, 200, answer.body);
  });

  for (const target of ['/internal/carts/u1', '/internal/dead-letters', '/openapi.json', '/oauth/token', '/metrics/../internal']) {
    it(`answers ${target} with 404 or 400 problem+json, never forwarded`, async () => {
      for (const method of ['GET', 'POST']) {
        const answer = await raw(method, target);
        assert.ok(answer.status === 404 || answer.status === 400, `${method} ${target}: ${answer.status}`);
        assert.match(answer.contentType, /application\/problem\+json/);
      }
    });
  }
});
