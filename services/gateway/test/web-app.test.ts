import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { createService, type Service } from '@mercato/kit';
import { rawHttp } from '@mercato/kit/testing';
import { gatewayDefinition } from '../src/app.ts';
import { legacyBase } from '../src/legacy-upstream.ts';
import { loadWebAppPage } from '../src/routes/web-app.routes.ts';

const ASSET = 'app-Bx3kQ9fZ.js';
const ASSET_TEXT = 'document.getElementById("app").textContent = "Mercato";\n';
const INDEX = `<!doctype html><html><head><script type="module" src="/assets/${ASSET}"></script></head><body><div id="app"></div></body></html>`;

const dist = mkdtempSync(join(tmpdir(), 'mercato-web-'));
mkdirSync(join(dist, 'assets'));
writeFileSync(join(dist, 'index.html'), INDEX);
writeFileSync(join(dist, 'assets', ASSET), ASSET_TEXT);
// What the build writes beside each text asset (web/build.ts).
writeFileSync(join(dist, 'assets', `${ASSET}.br`), brotliCompressSync(ASSET_TEXT));
writeFileSync(join(dist, 'assets', `${ASSET}.gz`), gzipSync(ASSET_TEXT));

/** What reached the legacy app. */
interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}
const seen: Seen[] = [];
let legacy: Server;
let legacyUrl: string;
let web: Service;
let withLegacy: Service;
let unbuilt: Service;
/** Where `withLegacy` listens: `inject()` resolves dot segments itself, a socket sends the path as written. */
let legacyGatewayPort: number;

const quiet = { LOG_LEVEL: 'silent', MERCATO_AUTH: 'off', GATEWAY_PORT: '0', MERCATO_REGISTRY_URL: 'http://127.0.0.1:1' };
const gateway = (env: Record<string, string>) => createService(gatewayDefinition(), { ...quiet, ...env });

/** The directives of a Content-Security-Policy, by name. */
function directives(csp: unknown): Map<string, string[]> {
  const parsed = new Map<string, string[]>();
  for (const part of String(csp).split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) parsed.set(name, values);
  }
  return parsed;
}

function assertStrictCsp(csp: unknown, what: string): void {
  const policy = directives(csp);
  const scripts = policy.get('script-src') ?? policy.get('default-src');
  assert.deepEqual(scripts, ["'self'"], `${what}: script-src is 'self' only (${csp})`);
  assert.doesNotMatch(String(csp), /upgrade-insecure-requests/, `${what}: not over plain HTTP`);
}

function assertProblem(answer: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number, what: string) {
  assert.equal(answer.statusCode, status, `${what}: ${answer.body}`);
  assert.match(String(answer.headers['content-type']), /^application\/problem\+json/, what);
  assert.equal(JSON.parse(answer.body).status, status, what);
}

before(async () => {
  legacy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(201, { 'content-type': 'text/plain', 'x-legacy': 'yes', 'set-cookie': 'old_session=1; Path=/' });
      res.end(`legacy ${req.method} ${req.url}`);
    });
  });
  await new Promise<void>((resolve) => legacy.listen(0, '127.0.0.1', resolve));
  legacyUrl = `http://127.0.0.1:${(legacy.address() as AddressInfo).port}`;
  web = await gateway({ MERCATO_WEB_DIR: dist });
  withLegacy = await gateway({ MERCATO_WEB_DIR: dist, MERCATO_LEGACY_URL: legacyUrl });
  unbuilt = await gateway({ MERCATO_WEB_DIR: join(dist, 'not-built') });
  // Listening without registering (no registry here): only the canonical-path cases need a socket.
  await withLegacy.app.listen({ port: 0, host: '127.0.0.1' });
  legacyGatewayPort = (withLegacy.app.server.address() as AddressInfo).port;
});

/** Sends the request line exactly as written, to the gateway with a legacy app (it serves the pages too). */
const raw = (method: string, target: string) =>
  rawHttp(legacyGatewayPort, `${method} ${target} HTTP/1.1\r\nHost: shop.test\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);

after(async () => {
  for (const service of [web, withLegacy, unbuilt]) await service?.app.close();
  legacy?.closeAllConnections();
  legacy?.close();
  rmSync(dist, { recursive: true, force: true });
});

describe('the web app at the gateway', () => {
  it("GET / answers the app's index.html: 200, text/html, no-cache, an ETag, the strict CSP", async () => {
    const page = await web.app.inject({ url: '/' });
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(page.headers['cache-control'], 'no-cache');
    assert.match(String(page.headers.etag), /^"[\w-]+"$/);
    assert.equal(page.body, INDEX);
    assertStrictCsp(page.headers['content-security-policy'], '/');
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
  });

  it('a deep link with any query string answers the same page, on every page path of API.md, GET and HEAD', async () => {
    for (const url of [
      '/products/some-slug?x=1',
      '/categories/shoes?sort=price&__proto__=1',
      '/search?q=red%20shoes',
      '/cart',
      '/checkout?step=2',
      '/orders',
      '/orders/01900000-0000-7000-8000-000000000001',
      '/account',
      '/account/addresses',
      '/sign-in?next=/cart',
      '/sign-up',
      '/admin',
      '/admin/products/new',
      '/ops',
      '/ops/services',
    ]) {
      const page = await web.app.inject({ url });
      assert.equal(page.statusCode, 200, `${url}: ${page.body}`);
      assert.equal(page.headers['content-type'], 'text/html; charset=utf-8', url);
      assert.equal(page.headers['cache-control'], 'no-cache', url);
      assert.equal(page.body, INDEX, url);
      assertStrictCsp(page.headers['content-security-policy'], url);
      const head = await web.app.inject({ method: 'HEAD', url });
      assert.equal(head.statusCode, 200, `HEAD ${url}`);
      assert.equal(head.body, '', `HEAD ${url}`);
    }
  });

  it('a reload with the ETag is 304 without a body', async () => {
    const { etag } = (await web.app.inject({ url: '/cart' })).headers;
    for (const ifNoneMatch of [String(etag), `W/${etag}`, `"other", ${etag}`, '*']) {
      const again = await web.app.inject({ url: '/products/some-slug', headers: { 'if-none-match': ifNoneMatch } });
      assert.equal(again.statusCode, 304, ifNoneMatch);
      assert.equal(again.body, '');
      assert.equal(again.headers.etag, etag);
    }
    assert.equal((await web.app.inject({ url: '/', headers: { 'if-none-match': '"stale"' } })).statusCode, 200);
  });

  it('a built file under /assets/ is served with a year of immutable caching', async () => {
    const asset = await web.app.inject({ url: `/assets/${ASSET}` });
    assert.equal(asset.statusCode, 200);
    assert.equal(asset.body, ASSET_TEXT);
    assert.match(String(asset.headers['content-type']), /^(text|application)\/javascript/);
    assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
  });

  it('a built file goes compressed to a client that accepts brotli or gzip (the build’s copies), with Vary', async () => {
    const br = await web.app.inject({ url: `/assets/${ASSET}`, headers: { 'accept-encoding': 'gzip, deflate, br' } });
    assert.equal(br.statusCode, 200);
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(brotliDecompressSync(br.rawPayload).toString('utf8'), ASSET_TEXT);
    assert.match(String(br.headers.vary), /accept-encoding/i);
    assert.equal(br.headers['cache-control'], 'public, max-age=31536000, immutable');
    const gz = await web.app.inject({ url: `/assets/${ASSET}`, headers: { 'accept-encoding': 'gzip' } });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(gz.rawPayload).toString('utf8'), ASSET_TEXT);
    const plain = await web.app.inject({ url: `/assets/${ASSET}`, headers: { 'accept-encoding': 'identity' } });
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.body, ASSET_TEXT);
  });

  it('a missing asset, or a folder, is 404 problem+json, never the page', async () => {
    for (const url of ['/assets/missing.js', '/assets/', '/assets', '/assets/.hidden'])
      assertProblem(await web.app.inject({ url }), 404, url);
  });

  it('any other path outside the platform is 404 with the app’s page (it shows "not found")', async () => {
    for (const url of ['/nope', '/products', '/cart/x', '/old/page?a=1', '/accounting', '/favicon.ico']) {
      const answer = await web.app.inject({ url });
      assert.equal(answer.statusCode, 404, url);
      assert.equal(answer.headers['content-type'], 'text/html; charset=utf-8', url);
      assert.equal(answer.headers['cache-control'], 'no-cache', url);
      assert.equal(answer.body, INDEX, url);
      assertStrictCsp(answer.headers['content-security-policy'], url);
    }
  });

  it('an unknown path of the platform (/api/…, /internal/…, /health/…, /docs…, /metrics…) stays 404 problem+json', async () => {
    for (const url of [
      '/api/nope',
      '/api',
      '/%61pi/nope',
      '/internal/carts/u1',
      '/openapi.json',
      '/oauth/token',
      '/health/nope',
      '/docs/nope.json',
      '/metrics.json',
      '/.well-known',
    ]) {
      assertProblem(await web.app.inject({ url }), 404, url);
    }
  });

  it('other methods than GET and HEAD on a page or an unknown path are 404 problem+json', async () => {
    for (const [method, url] of [
      ['POST', '/nope'],
      ['DELETE', '/'],
      ['POST', '/cart'],
      ['PUT', '/products/x'],
    ] as const) {
      assertProblem(await web.app.inject({ method, url }), 404, `${method} ${url}`);
    }
  });

  it('the canonical-path check still comes first: a dot segment or an encoded slash is 400, never the page', async () => {
    for (const target of ['/products/%2e%2e/internal', '/products/a%2Fb', '/account/./x', '/products/../api/nope', '/nope\\x']) {
      const answer = await raw('GET', target);
      assert.equal(answer.status, 400, `${target}: ${answer.body}`);
      assert.match(answer.contentType, /^application\/problem\+json/, target);
    }
  });

  it('sends neither Strict-Transport-Security nor upgrade-insecure-requests over plain HTTP', async () => {
    for (const url of ['/', '/nope', `/assets/${ASSET}`]) {
      const answer = await web.app.inject({ url });
      assert.equal(answer.headers['strict-transport-security'], undefined, url);
      assert.doesNotMatch(String(answer.headers['content-security-policy']), /upgrade-insecure-requests/, url);
    }
  });
});

describe('the web app not built yet', () => {
  it('the gateway starts; pages answer 503 problem+json saying how to build it', async () => {
    for (const url of ['/', '/products/x?y=1']) {
      const page = await unbuilt.app.inject({ url });
      assertProblem(page, 503, url);
      assert.match(JSON.parse(page.body).detail, /npm run build -w @mercato\/web/);
    }
    assertProblem(await unbuilt.app.inject({ url: '/nope' }), 404, '/nope');
    assertProblem(await unbuilt.app.inject({ url: '/assets/app.js' }), 404, 'asset');
    assertProblem(await unbuilt.app.inject({ url: '/api/nope' }), 404, '/api/nope');
    assert.equal((await unbuilt.app.inject({ url: '/health/live' })).statusCode, 200);
  });

  it('says so in one warning that names the build command', () => {
    const warnings: string[] = [];
    const page = loadWebAppPage(join(dist, 'not-built'), {
      warn: (_fields: unknown, message?: string) => void warnings.push(String(message)),
    });
    assert.equal(page, undefined);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /npm run build -w @mercato\/web/);
  });
});

describe('a legacy app behind the gateway (MERCATO_LEGACY_URL)', () => {
  it('any other path is forwarded with its method, path, query, headers and body, plus x-request-id', async () => {
    seen.length = 0;
    const answer = await withLegacy.app.inject({
      method: 'POST',
      url: '/old/page?a=1&b=%2F..%2F',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-request-id': 'legacy-call-1',
        'x-shop-test': 'kept',
        // The legacy app's own credentials: not the platform's to judge.
        authorization: 'Basic b2xkOnNob3A=',
        cookie: 'old_session=1',
      },
      payload: 'name=Ada&qty=2',
    });
    assert.equal(answer.statusCode, 201, answer.body);
    assert.equal(answer.body, 'legacy POST /old/page?a=1&b=%2F..%2F');
    assert.equal(answer.headers['x-legacy'], 'yes');
    assert.equal(answer.headers['set-cookie'], 'old_session=1; Path=/');
    assert.equal(answer.headers['x-request-id'], 'legacy-call-1');
    assert.equal(seen.length, 1);
    const [call] = seen;
    assert.equal(call?.method, 'POST');
    assert.equal(call?.url, '/old/page?a=1&b=%2F..%2F');
    assert.equal(call?.body, 'name=Ada&qty=2');
    assert.equal(call?.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(call?.headers['x-request-id'], 'legacy-call-1');
    assert.equal(call?.headers['x-shop-test'], 'kept');
    assert.equal(call?.headers.authorization, 'Basic b2xkOnNob3A=');
    assert.equal(call?.headers.cookie, 'old_session=1');
    assert.equal(call?.headers.host, 'localhost:80', "the client's Host: the legacy app served this site before");
    assert.equal(call?.headers['x-forwarded-for'], '127.0.0.1');
  });

  it('every forwarded method reaches it; a request without an id gets the gateway’s', async () => {
    seen.length = 0;
    for (const method of ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE'] as const) {
      const answer = await withLegacy.app.inject({ method, url: '/shop/item/42' });
      assert.equal(answer.statusCode, 201, method);
    }
    assert.deepEqual(
      seen.map((s) => `${s.method} ${s.url}`),
      ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE'].map((m) => `${m} /shop/item/42`),
    );
    assert.ok(seen.every((s) => typeof s.headers['x-request-id'] === 'string' && s.headers['x-request-id'].length > 0));
  });

  it('the pages, the assets and the platform’s paths are never forwarded', async () => {
    seen.length = 0;
    assert.equal((await withLegacy.app.inject({ url: '/products/x?y=1' })).body, INDEX);
    assert.equal((await withLegacy.app.inject({ url: `/assets/${ASSET}` })).statusCode, 200);
    for (const [method, url] of [
      ['GET', '/assets/missing.js'],
      ['GET', '/api/nope'],
      ['POST', '/api/nope'],
      ['GET', '/internal/carts/u1'],
      ['DELETE', '/internal/dead-letters'],
      ['GET', '/openapi.json'],
      ['POST', '/oauth/token'],
      ['GET', '/health/nope'],
      ['POST', '/cart'],
      ['DELETE', '/account'],
    ] as const) {
      assertProblem(await withLegacy.app.inject({ method, url }), 404, `${method} ${url}`);
    }
    assert.deepEqual(seen, []);
  });

  it('the platform’s paths still check Authorization at the edge; only a legacy path takes it as sent', async () => {
    seen.length = 0;
    const basic = { authorization: 'Basic b2xkOnNob3A=' };
    for (const url of ['/', '/cart', '/api/products', '/nope-not-in-the-platform']) {
      const answer = await withLegacy.app.inject({ url, headers: basic });
      if (url.startsWith('/nope')) assert.equal(answer.statusCode, 201, url);
      else assertProblem(answer, 401, url);
    }
    assert.deepEqual(
      seen.map((s) => s.url),
      ['/nope-not-in-the-platform'],
    );
  });

  it('the canonical-path check runs first: no dot segment, encoded slash or backslash is forwarded', async () => {
    seen.length = 0;
    for (const target of [
      '/old/%2e%2e/internal/carts',
      '/old/../internal/carts',
      '/old/./x',
      '/old/..%2finternal',
      '/old/x%5c..%5cinternal',
      '/old\\..\\internal',
      '/old//x',
      '/old/%00',
    ]) {
      for (const method of ['GET', 'POST', 'DELETE']) {
        const answer = await raw(method, target);
        assert.equal(answer.status, 400, `${method} ${target}: ${answer.body}`);
        assert.match(answer.contentType, /^application\/problem\+json/, target);
      }
    }
    assert.deepEqual(seen, []);
  });

  it('a legacy app that cannot be reached is 503 problem+json for that request', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const gone = await gateway({ MERCATO_WEB_DIR: dist, MERCATO_LEGACY_URL: `http://127.0.0.1:${port}` });
    try {
      assertProblem(await gone.app.inject({ url: '/old/page' }), 503, 'unreachable');
      assert.equal((await gone.app.inject({ url: '/' })).statusCode, 200);
    } finally {
      await gone.app.close();
    }
  });

  it('MERCATO_LEGACY_URL is an http(s) origin with an optional base path, nothing else', async () => {
    assert.equal(legacyBase('http://old-shop:8000'), 'http://old-shop:8000');
    assert.equal(legacyBase('https://old.example/shop/'), 'https://old.example/shop');
    for (const bad of ['http://old.example/?a=1', 'http://old.example/#x', 'http://user:pw@old.example']) {
      assert.throws(() => legacyBase(bad), /MERCATO_LEGACY_URL/, bad);
    }
    await assert.rejects(gateway({ MERCATO_LEGACY_URL: 'ftp://old.example' }), /MERCATO_LEGACY_URL/);
  });
});
