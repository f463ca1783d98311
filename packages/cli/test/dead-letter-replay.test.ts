import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { downstreamOf, lettersToReplay, type OpenDeadLetter } from '../src/supervision/dead-letter-replay.ts';

const now = Date.parse('2026-12-04T12:00:00Z');
const letter = (id: string, secondsAgo: number): OpenDeadLetter => ({
  id,
  consumer: 'orders.saga',
  type: 'inventory.stock.reserved.v1',
  failedAt: new Date(now - secondsAgo * 1_000).toISOString(),
});

describe('the automatic dead-letter replay policy', () => {
  it('replays nothing while the consumer or a service it calls is down', () => {
    assert.deepEqual(lettersToReplay([letter('1', 600)], { healthy: false, now, tried: new Set() }), []);
  });

  it('replays settled letters once their downstream is healthy, and each letter only once', () => {
    const letters = [letter('1', 600), letter('2', 5), letter('3', 120)];
    assert.deepEqual(
      lettersToReplay(letters, { healthy: true, now, tried: new Set(['3']) }).map((l) => l.id),
      ['1'],
      'letter 2 failed 5 s ago (its cause may still be on), letter 3 was replayed before',
    );
  });

  it("takes a service's downstream from the topology: the services whose internal routes it may call", () => {
    const downstream = downstreamOf('orders');
    assert.ok(downstream.length > 0, 'orders calls other services');
    assert.ok(!downstream.includes('orders'));
    assert.deepEqual(downstreamOf('no-such-service'), []);
  });
});
