import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { type SecurePlatform, startSecurePlatform } from './support/secure-platform.ts';

let platform: SecurePlatform;

const get = async (url: string, token?: string) => {
  const response = await request(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  await response.body.dump();
  return { status: response.statusCode, retryAfter: response.headers['retry-after'] };
};

before(async () => {
  platform = await startSecurePlatform({
    gatewayEnv: { MERCATO_RATE_LIMIT_ANON: '5', MERCATO_RATE_LIMIT_USER: '8', MERCATO_RATE_LIMIT_AUTH: '3' },
  });
});
after(() => platform.stop());

describe('rate limits (in process)', () => {
  it('an anonymous address gets its budget, then 429 with Retry-After', async () => {
    const url = `${platform.gatewayUrls[0]}/api/products`;
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await get(url)).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
    const limited = await get(url);
    assert.ok(Number(limited.retryAfter) > 0);
  });

  it('/api/auth/* has its own stricter budget', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const response = await request(`${platform.gatewayUrls[0]}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `r${i}@shop.test`, password: 'whatever it is' }),
      });
      await response.body.dump();
      statuses.push(response.statusCode);
    }
    assert.deepEqual(statuses, [401, 401, 401, 429]);
  });
});
