import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { createService, type Service, sql } from '@mercato/kit';
import { createTestDatabase, injectJson, type TestDatabase } from '@mercato/kit/testing';
import { identityDefinition } from '../src/app.ts';

const gatewaySecret = randomBytes(24).toString('base64url');
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
let database: TestDatabase;
let identity: Service;
let gatewayToken: string;

const login = (email: string, password: string, ip: string) =>
  injectJson(identity.app, 'POST', '/api/auth/login', {
    token: gatewayToken,
    body: { email, password },
    headers: { 'x-forwarded-for': ip },
  });

const register = async (email: string) => {
  const response = await injectJson(identity.app, 'POST', '/api/auth/register', {
    token: gatewayToken,
    body: { email, password: 'the right password', name: 'Shopper' },
    headers: { 'x-forwarded-for': '192.0.2.200' },
  });
  assert.equal(response.status, 201);
};

const failures = async (key: string) =>
  (
    await sql<{ failures: number }>`select failures from login_failures where key = ${key}`.execute(
      identity.context.database?.db ?? assert.fail('identity has a database'),
    )
  ).rows[0]?.failures;

before(async () => {
  database = await createTestDatabase('identity_lockout');
  identity = await createService(identityDefinition(), {
    LOG_LEVEL: 'silent',
    IDENTITY_DATABASE_URL: database.url,
    MERCATO_DATA_KEY: randomBytes(32).toString('base64'),
    IDENTITY_SERVICE_CLIENTS: JSON.stringify({ gateway: sha(gatewaySecret) }),
  });
  await identity.start();
  const token = await injectJson(identity.app, 'POST', '/oauth/token', {
    body: { grant_type: 'client_credentials', client_id: 'gateway', client_secret: gatewaySecret, audience: 'identity' },
  });
  assert.equal(token.status, 200);
  gatewayToken = token.body?.access_token;
});
after(async () => {
  await identity.stop();
  await database.drop();
});

it('15 concurrent wrong passwords each count and lock the account, even for the right password', async () => {
  await register('racer@shop.test');
  const attempts = await Promise.all(
    Array.from({ length: 15 }, (_, i) => login('racer@shop.test', `wrong guess ${i}`, `198.51.100.${i + 1}`)),
  );
  // An attempt that checks the lock after the 10th failure locked the account is refused (429) before
  // its password is checked, and counts nothing: how many do depends on timing (argon2 takes a while).
  const statuses = attempts.map((attempt) => attempt.status);
  assert.ok(
    statuses.every((status) => status === 401 || status === 429),
    `statuses: ${statuses.join(' ')}`,
  );
  const wrong = statuses.filter((status) => status === 401).length;
  assert.ok(wrong >= 10, `only ${wrong} wrong passwords were checked: statuses ${statuses.join(' ')}`);
  assert.equal(await failures('account:racer@shop.test'), wrong, 'every checked wrong password counts');
  const locked = await login('racer@shop.test', 'the right password', '198.51.100.99');
  assert.equal(locked.status, 429);
  assert.match(String(locked.headers['content-type']), /application\/problem\+json/);
  assert.ok(Number(locked.headers['retry-after']) >= 59);
});

it('a successful sign-in drains the address count, so a shared address is not locked by occasional typos', async () => {
  const ip = '203.0.113.50';
  for (let i = 0; i < 30; i++) await register(`nat${i}@shop.test`);
  for (let i = 0; i < 30; i++) {
    assert.equal((await login(`nat${i}@shop.test`, 'a typo here', ip)).status, 401);
    assert.equal((await login(`nat${i}@shop.test`, 'the right password', ip)).status, 200);
  }
  const left = await failures(`ip:${ip}`);
  assert.ok(left !== undefined && left <= 1, `address count ${left}`);
});
