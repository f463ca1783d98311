// Runs with `npm run test:redis` (CI sets REDIS_URL): two gateway replicas share one budget in Redis.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { type SecurePlatform, startSecurePlatform } from './support/secure-platform.ts';

const redisUrl = process.env.REDIS_URL;
if (!redisUrl) throw new Error('REDIS_URL is not set: the Redis suites need a Redis server (CI: redis://127.0.0.1:6379).');
let platform: SecurePlatform;

before(async () => {
  // A fresh logical database keeps this run's counters apart from anything else on the server.
  const db = 1 + ((randomBytes(1)[0] ?? 0) % 14);
  const redis = new Redis(`${redisUrl}/${db}`);
  await redis.flushdb();
  await redis.quit();
  platform = await startSecurePlatform({ gateways: 2, gatewayEnv: { REDIS_URL: `${redisUrl}/${db}`, MERCATO_RATE_LIMIT_ANON: '6' } });
});
after(() => platform.stop());

describe('rate limits in Redis', () => {
  it('two gateway replicas count one budget: the 7th call across both is 429', async () => {
    const statuses = [];
    for (let i = 0; i < 7; i++) {
      const url = `${platform.gatewayUrls[i % 2]}/api/products`;
      const response = await request(url);
      await response.body.dump();
      statuses.push(response.statusCode);
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 429]);
  });
});
