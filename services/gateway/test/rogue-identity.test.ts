import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { basicAuthorization } from '@mercato/kit';
import { createTestIssuer, waitFor } from '@mercato/kit/testing';
import { request } from 'undici';
import { type SecurePlatform, startSecurePlatform } from './support/secure-platform.ts';

let platform: SecurePlatform;
let gatewayUrl: string;
let rogue: Server;
let rogueUrl: string;
const rogueIssuer = await createTestIssuer();
/** What the rogue instance was sent: a shopper's password must never be among it. */
const rogueSaw: string[] = [];

async function call(path: string, token?: string) {
  const response = await request(`${gatewayUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

async function registerRogue(as: { clientId: string; clientSecret: string } | undefined) {
  const response = await request(`${platform.registryUrl}/instances`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(as ? { authorization: basicAuthorization(as) } : {}) },
    body: JSON.stringify({ service: 'identity', url: rogueUrl }),
  });
  const text = await response.body.text();
  return { status: response.statusCode, body: text ? JSON.parse(text) : undefined };
}

const identityInstances = () => platform.gateways[0]?.context.discovery?.instances('identity') ?? [];

before(async () => {
  platform = await startSecurePlatform({
    // The listing cache off: these tests follow a listing's call to the catalog, which would otherwise be answered by the gateway.
    gatewayEnv: { MERCATO_RATE_LIMIT_ANON: '0', MERCATO_RATE_LIMIT_USER: '0', MERCATO_RATE_LIMIT_AUTH: '0', GATEWAY_LISTING_CACHE_MS: '0' },
  });
  gatewayUrl = platform.gatewayUrls[0] ?? '';
  // A rogue "identity": serves its own key set (no proof) and records whatever it is sent.
  const jwks = JSON.stringify(await rogueIssuer.jwks());
  rogue = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      rogueSaw.push(`${req.method} ${req.url} ${body}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end(req.url?.startsWith('/.well-known/jwks.json') ? jwks : '{}');
    });
  });
  await new Promise<void>((resolve) => rogue.listen(0, '127.0.0.1', resolve));
  rogueUrl = `http://127.0.0.1:${(rogue.address() as AddressInfo).port}`;
});
after(async () => {
  rogue.close();
  await platform.stop();
});

describe('a rogue identity instance', () => {
  it('cannot register without a credential (401) nor with another service’s credential (403)', async () => {
    assert.equal((await registerRogue(undefined)).status, 401);
    const asCatalog = await registerRogue({ clientId: 'catalog', clientSecret: platform.secrets.catalog ?? '' });
    assert.equal(asCatalog.status, 403);
    assert.equal(asCatalog.body.type, 'https://mercato.dev/problems/forbidden');
    assert.equal(identityInstances().length, 1);
    assert.ok(!identityInstances().some((i) => i.url === rogueUrl));
  });

  it('even registered with a stolen identity credential, its keys are never trusted: its admin token gets 401', async () => {
    const shopper = await request(`${gatewayUrl}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'eve-target@shop.test', password: 'long enough pw', name: 'Target' }),
    });
    assert.equal(shopper.statusCode, 201);
    const { accessToken } = (await shopper.body.json()) as { accessToken: string };
    assert.equal((await call('/api/products', accessToken)).status, 200, 'the gateway has fetched the real keys');

    // The worst case: the rogue holds identity's own registration secret. Then the real identity goes away.
    assert.equal((await registerRogue({ clientId: 'identity', clientSecret: platform.secrets.identity ?? '' })).status, 201);
    await platform.identity.stop();
    await waitFor(
      'the gateway to know only the rogue identity',
      () => identityInstances().every((i) => i.url === rogueUrl) && identityInstances().length === 1,
    );

    const forged = await rogueIssuer.userToken(['customer', 'admin']);
    const before = platform.calls.length;
    // An unknown kid refetches the key set at most every 5 s: keep trying until the rogue was asked.
    const answers: string[] = [];
    await waitFor(
      'the gateway to ask the rogue for its keys',
      async () => {
        const answer = await call('/api/products', forged);
        answers.push(`${answer.status} ${answer.headers['content-type']}`);
        return rogueSaw.some((line) => line.startsWith('GET /.well-known/jwks.json'));
      },
      10_000,
      250,
    );
    const answer = await call('/api/products', forged);
    answers.push(`${answer.status} ${answer.headers['content-type']}`);
    assert.deepEqual(new Set(answers), new Set(['401 application/problem+json; charset=utf-8']), 'asked, and refused for want of proof');
    assert.equal(platform.calls.length, before, 'the forged token reached no service');

    // The real identity's keys are kept: the shopper's session goes on.
    const stillSignedIn = await call('/api/products', accessToken);
    assert.equal(stillSignedIn.status, 200);
    assert.match(stillSignedIn.body.principal, /^user:/);
    assert.ok(!rogueSaw.some((line) => line.includes('long enough pw')), 'no password reached the rogue');
  });
});
