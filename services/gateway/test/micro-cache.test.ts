import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MicroCache } from '../src/micro-cache.ts';

describe('storefront micro-cache', () => {
  it('concurrent misses of one key share one load, and the answer is reused until it expires', async () => {
    const cache = new MicroCache<number>({ ttlMs: 50, maxEntries: 10 });
    let loads = 0;
    const load = async () => {
      loads += 1;
      await new Promise((resolve) => setTimeout(resolve, 10));
      return loads;
    };
    const answers = await Promise.all(Array.from({ length: 20 }, () => cache.get('p', load, () => true)));
    assert.deepEqual(new Set(answers), new Set([1]));
    assert.equal(await cache.get('p', load, () => true), 1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(await cache.get('p', load, () => true), 2);
  });

  it('does not keep what `keep` refuses, nor failures, and evicts the oldest entry when full', async () => {
    const cache = new MicroCache<string>({ ttlMs: 10_000, maxEntries: 2 });
    let n = 0;
    const load = async () => `v${++n}`;
    await cache.get('partial', load, () => false);
    assert.equal(await cache.get('partial', load, () => false), 'v2');
    await assert.rejects(
      cache.get(
        'broken',
        async () => Promise.reject(new Error('down')),
        () => true,
      ),
    );
    assert.equal(await cache.get('broken', load, () => true), 'v3');
    await cache.get('a', load, () => true);
    await cache.get('b', load, () => true);
    assert.equal(await cache.get('broken', load, () => true), 'v6', 'the oldest entry was evicted');
  });

  it('with a TTL of 0 every call loads', async () => {
    const cache = new MicroCache<number>({ ttlMs: 0, maxEntries: 10 });
    let loads = 0;
    await cache.get(
      'p',
      async () => ++loads,
      () => true,
    );
    await cache.get(
      'p',
      async () => ++loads,
      () => true,
    );
    assert.equal(loads, 2);
  });
});
