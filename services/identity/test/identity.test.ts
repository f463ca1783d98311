import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createService, type Service, sql } from '@mercato/kit';
import { createTestDatabase, type InjectOptions, injectJson, type TestDatabase } from '@mercato/kit/testing';
import { createLocalJWKSet, generateKeyPair, type JSONWebKeySet, jwtVerify, SignJWT } from 'jose';
import { identityDefinition } from '../src/app.ts';

const gatewaySecret = randomBytes(24).toString('base64url');
const cliSecret = randomBytes(24).toString('base64url');
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
let database: TestDatabase;
let identity: Service;
let gatewayToken: string;

const call = (method: 'GET' | 'POST' | 'PATCH', url: string, options: InjectOptions = {}) => injectJson(identity.app, method, url, options);

/** As the gateway calls identity: with its service token, and the shopper's address. */
const viaGateway = (method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown, ip = '203.0.113.7') =>
  call(method, url, { token: gatewayToken, body, headers: { 'x-forwarded-for': ip } });

before(async () => {
  database = await createTestDatabase('identity');
  identity = await createService(identityDefinition(), {
    LOG_LEVEL: 'silent',
    IDENTITY_DATABASE_URL: database.url,
    MERCATO_DATA_KEY: randomBytes(32).toString('base64'),
    IDENTITY_SERVICE_CLIENTS: JSON.stringify({ gateway: sha(gatewaySecret), mercato: sha(cliSecret) }),
    MERCATO_ADMIN_EMAIL: 'boss@shop.test',
    MERCATO_ADMIN_PASSWORD: 'correct horse battery',
  });
  await identity.start();
  const token = await call('POST', '/oauth/token', {
    body: { grant_type: 'client_credentials', client_id: 'gateway', client_secret: gatewaySecret, audience: 'identity' },
  });
  assert.equal(token.status, 200);
  gatewayToken = token.body?.access_token;
});
after(async () => {
  await identity.stop();
  await database.drop();
});

describe('register and sign in', () => {
  it('registers a shopper and answers with the user and a token pair', async () => {
    const { status, body } = await viaGateway('POST', '/api/auth/register', {
      email: 'Ada@Shop.test',
      password: 'long enough pw',
      name: 'Ada',
    });
    assert.equal(status, 201);
    assert.deepEqual(Object.keys(body ?? {}).sort(), ['accessToken', 'expiresIn', 'refreshToken', 'user']);
    assert.equal(body?.user.email, 'ada@shop.test');
    assert.deepEqual(body?.user.roles, ['customer']);
    assert.equal(body?.expiresIn, 900);
  });

  it('refuses a second account for the same email (any case) with 409, a short password and unknown fields with 400', async () => {
    assert.equal(
      (await viaGateway('POST', '/api/auth/register', { email: 'ADA@shop.test', password: 'long enough pw', name: 'Ada' })).status,
      409,
    );
    assert.equal((await viaGateway('POST', '/api/auth/register', { email: 'bob@shop.test', password: 'short', name: 'Bob' })).status, 400);
    const roles = await viaGateway('POST', '/api/auth/register', {
      email: 'eve@shop.test',
      password: 'long enough pw',
      name: 'Eve',
      roles: ['admin'],
    });
    assert.equal(roles.status, 400);
    assert.equal(roles.body?.errors[0].pointer, '#/roles');
  });

  it('signs in with the right password; a wrong password and an unknown email get the same 401', async () => {
    const ok = await viaGateway('POST', '/api/auth/login', { email: 'ada@shop.test', password: 'long enough pw' });
    assert.equal(ok.status, 200);
    assert.equal(ok.body?.user.email, 'ada@shop.test');
    const wrong = await viaGateway('POST', '/api/auth/login', { email: 'ada@shop.test', password: 'not the password' }, '198.51.100.1');
    const unknown = await viaGateway(
      'POST',
      '/api/auth/login',
      { email: 'nobody@shop.test', password: 'not the password' },
      '198.51.100.1',
    );
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.body, unknown.body);
  });

  it('creates the first admin from MERCATO_ADMIN_EMAIL and MERCATO_ADMIN_PASSWORD', async () => {
    const admin = await viaGateway('POST', '/api/auth/login', { email: 'boss@shop.test', password: 'correct horse battery' });
    assert.equal(admin.status, 200);
    assert.ok(admin.body?.user.roles.includes('admin'));
  });
});

describe('access tokens', () => {
  let jwks: JSONWebKeySet;
  let accessToken: string;
  before(async () => {
    jwks = (await call('GET', '/.well-known/jwks.json')).body as JSONWebKeySet;
    accessToken = (await viaGateway('POST', '/api/auth/login', { email: 'ada@shop.test', password: 'long enough pw' })).body?.accessToken;
  });

  it('are EdDSA JWTs with kid, iss, aud, sub and roles that anyone can verify with the JWKS', async () => {
    const { payload, protectedHeader } = await jwtVerify(accessToken, createLocalJWKSet(jwks), {
      issuer: 'mercato',
      audience: 'mercato-api',
    });
    assert.equal(protectedHeader.alg, 'EdDSA');
    assert.ok(protectedHeader.kid);
    assert.deepEqual(payload.roles, ['customer']);
    assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 900);
  });

  it('a service answers 401 without a token, and for alg none, a foreign key, a wrong audience, a tampered or an expired token', async () => {
    assert.equal((await call('GET', '/api/me')).status, 401);
    const [header, payload] = accessToken.split('.');
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const kid = JSON.parse(Buffer.from(header ?? '', 'base64url').toString()).kid;
    const foreign = await new SignJWT({ kind: 'user', roles: ['admin'] })
      .setProtectedHeader({ alg: 'EdDSA', kid })
      .setIssuer('mercato')
      .setAudience('mercato-api')
      .setSubject('someone')
      .setExpirationTime('5m')
      .sign(privateKey);
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()), roles: ['admin'] })).toString('base64url')}.${accessToken.split('.')[2]}`;
    const wrongAudience = (
      await call('POST', '/oauth/token', {
        body: { grant_type: 'client_credentials', client_id: 'gateway', client_secret: gatewaySecret, audience: 'catalog' },
      })
    ).body?.access_token;
    for (const [name, token] of Object.entries({ unsigned, foreign, tampered, wrongAudience })) {
      const response = await call('GET', '/api/me', { token });
      assert.equal(response.status, 401, name);
      assert.equal(response.body?.type, 'https://mercato.dev/problems/unauthorized', name);
    }
  });

  it('GET /api/me shows the signed-in user', async () => {
    const me = await call('GET', '/api/me', { token: accessToken });
    assert.equal(me.status, 200);
    assert.equal(me.body?.email, 'ada@shop.test');
  });
});

describe('profile', () => {
  let token: string;
  before(async () => {
    token = (await viaGateway('POST', '/api/auth/login', { email: 'ada@shop.test', password: 'long enough pw' })).body?.accessToken;
  });

  it('PATCH /api/me changes name and address, and the address is encrypted at rest', async () => {
    const address = { line1: '1 Quay Street', city: 'Lisbon', postalCode: '1100-001', country: 'PT', phone: '+351 21 000 0000' };
    const patched = await call('PATCH', '/api/me', { token, body: { name: 'Ada L.', address } });
    assert.equal(patched.status, 200);
    assert.deepEqual(patched.body?.address, address);
    assert.equal(patched.body?.name, 'Ada L.');
    const { rows } = await sql<{ row: string }>`select row_to_json(users)::text as row from users where email = 'ada@shop.test'`.execute(
      identity.context.database?.db ?? assert.fail('identity has a database'),
    );
    assert.doesNotMatch(rows[0]?.row ?? '', /Quay Street|Lisbon|\+351 21/);
  });

  it('PATCH /api/me refuses roles and email with 400 and changes nothing', async () => {
    for (const body of [{ roles: ['admin'] }, { email: 'x@shop.test' }]) {
      const response = await call('PATCH', '/api/me', { token, body });
      assert.equal(response.status, 400);
    }
    const me = await call('GET', '/api/me', { token });
    assert.deepEqual(me.body?.roles, ['customer']);
    assert.equal(me.body?.email, 'ada@shop.test');
  });
});

describe('refresh tokens', () => {
  it('work once; reusing a spent one is 401 and ends the whole login', async () => {
    const login = await viaGateway('POST', '/api/auth/login', { email: 'ada@shop.test', password: 'long enough pw' });
    const first = login.body?.refreshToken;
    const second = await viaGateway('POST', '/api/auth/refresh', { refreshToken: first });
    assert.equal(second.status, 200);
    assert.notEqual(second.body?.refreshToken, first);
    const reuse = await viaGateway('POST', '/api/auth/refresh', { refreshToken: first });
    assert.equal(reuse.status, 401);
    const afterTheft = await viaGateway('POST', '/api/auth/refresh', { refreshToken: second.body?.refreshToken });
    assert.equal(afterTheft.status, 401, 'the newest token of that login is revoked too');
  });

  it('logout ends the login; unknown tokens also get 204', async () => {
    const login = await viaGateway('POST', '/api/auth/login', { email: 'ada@shop.test', password: 'long enough pw' });
    assert.equal((await viaGateway('POST', '/api/auth/logout', { refreshToken: login.body?.refreshToken })).status, 204);
    assert.equal((await viaGateway('POST', '/api/auth/refresh', { refreshToken: login.body?.refreshToken })).status, 401);
    assert.equal((await viaGateway('POST', '/api/auth/logout', { refreshToken: 'never-issued' })).status, 204);
  });
});

describe('brute force', () => {
  it('after 10 failures for one account, even the right password gets 429 with Retry-After', async () => {
    await viaGateway('POST', '/api/auth/register', { email: 'target@shop.test', password: 'the right password', name: 'T' });
    for (let i = 0; i < 10; i++) {
      const r = await viaGateway('POST', '/api/auth/login', { email: 'target@shop.test', password: `guess ${i}` }, `192.0.2.${i}`);
      assert.equal(r.status, 401);
    }
    const locked = await viaGateway('POST', '/api/auth/login', { email: 'target@shop.test', password: 'the right password' }, '192.0.2.99');
    assert.equal(locked.status, 429);
    assert.ok(Number(locked.headers['retry-after']) >= 59);
  });
});

describe('service tokens and key rotation', () => {
  it('client credentials: a wrong secret is 401, an unknown audience 400', async () => {
    const wrong = await call('POST', '/oauth/token', {
      body: { grant_type: 'client_credentials', client_id: 'gateway', client_secret: 'x'.repeat(20), audience: 'catalog' },
    });
    assert.equal(wrong.status, 401);
    const nowhere = await call('POST', '/oauth/token', {
      body: { grant_type: 'client_credentials', client_id: 'gateway', client_secret: gatewaySecret, audience: 'nowhere' },
    });
    assert.equal(nowhere.status, 400);
  });

  it('after rotation new tokens use the new key and tokens signed before still verify', async () => {
    const before = (await viaGateway('POST', '/api/auth/login', { email: 'ada@shop.test', password: 'long enough pw' })).body?.accessToken;
    const cli = (
      await call('POST', '/oauth/token', {
        body: { grant_type: 'client_credentials', client_id: 'mercato', client_secret: cliSecret, audience: 'identity' },
      })
    ).body?.access_token;
    assert.equal((await call('POST', '/internal/keys/rotate', { token: gatewayToken })).status, 403, 'only the mercato command rotates');
    const rotated = await call('POST', '/internal/keys/rotate', { token: cli });
    assert.equal(rotated.status, 200);
    const jwks = (await call('GET', '/.well-known/jwks.json')).body as JSONWebKeySet;
    assert.equal(jwks.keys.length, 2);
    const afterToken = (await viaGateway('POST', '/api/auth/login', { email: 'ada@shop.test', password: 'long enough pw' })).body
      ?.accessToken;
    const keyset = createLocalJWKSet(jwks);
    for (const token of [before, afterToken]) await jwtVerify(token, keyset, { issuer: 'mercato', audience: 'mercato-api' });
    assert.equal(JSON.parse(Buffer.from(afterToken.split('.')[0], 'base64url').toString()).kid, rotated.body?.kid);
  });
});
