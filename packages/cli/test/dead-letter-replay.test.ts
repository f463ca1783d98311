import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { ControlEvents } from '@mercato/autoscaler/control';
import { smallRequest } from '../src/small-http.ts';
import { DeadLetterReplay, downstreamOf, lettersToReplay, type OpenDeadLetter } from '../src/supervision/dead-letter-replay.ts';
import type { SupervisorCalls } from '../src/supervision/supervisor-calls.ts';

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

/**
 * A service's operator paths over real HTTP, as the kit serves them: open letters a page at a time,
 * a replay answered by `answer(id)` (200 replayed and gone, 409 failed again, 500 the service failing).
 */
async function standInService(answer: (id: number) => 200 | 409 | 500) {
  const open = new Map<number, OpenDeadLetter>();
  const add = (from: number, to: number) => {
    for (let id = from; id <= to; id++) open.set(id, letter(String(id), 600));
  };
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const replay = /^\/internal\/dead-letters\/(\d+)\/replay$/.exec(url.pathname);
    if (replay && request.method === 'POST') {
      const id = Number(replay[1]);
      const status = answer(id);
      if (status !== 200) return void response.writeHead(status).end('{}');
      open.delete(id);
      return void response.end(JSON.stringify({ id: String(id), outcome: 'handled' }));
    }
    const limit = Number(url.searchParams.get('limit'));
    const after = Number(url.searchParams.get('after') ?? 0);
    const items = [...open.keys()].filter((id) => id > after).slice(0, limit);
    response.end(
      JSON.stringify({ items: items.map((id) => open.get(id)), nextCursor: items.length === limit ? String(items.at(-1)) : null }),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const calls = {
    instances: async () => [{ id: 'orders-1', url: base }],
    call: (_service: string, url: string, method: 'GET' | 'POST' = 'GET') => smallRequest(url, { method, timeoutMs: 2_000 }),
  } as unknown as SupervisorCalls;
  return { open, add, calls, close: () => server.close() };
}

const replayedIds = (events: ControlEvents, from = 0) =>
  events
    .all()
    .slice(from)
    .map((e) => e.detail.id);

describe('the automatic dead-letter replay', () => {
  it('pages past letters that failed again, so they never hide newer ones', async () => {
    const service = await standInService((id) => (id <= 100 ? 409 : 200));
    service.add(1, 100);
    const events = new ControlEvents();
    const policy = new DeadLetterReplay({ calls: service.calls, events, services: ['orders'], isReady: () => true });
    try {
      await policy.round(now);
      assert.equal(events.all().length, 100, 'each of the first hundred is tried once');
      service.add(101, 120);
      await policy.round(now);
      assert.deepEqual(
        events
          .all()
          .slice(100)
          .map((e) => [e.detail.id, e.detail.outcome]),
        Array.from({ length: 20 }, (_, i) => [String(101 + i), 'handled']),
      );
      assert.equal(service.open.size, 100);
    } finally {
      service.close();
    }
  });

  it('goes on from where the last round stopped, so even 1,000 letters that failed again hide nothing', async () => {
    const service = await standInService((id) => (id <= 1_050 ? 409 : 200));
    service.add(1, 1_050);
    const events = new ControlEvents(() => {}, { kept: 5_000 });
    const policy = new DeadLetterReplay({ calls: service.calls, events, services: ['orders'], isReady: () => true });
    try {
      await policy.round(now);
      assert.equal(events.all().length, 1_000, 'a round reads ten pages');
      service.add(1_051, 1_051);
      await policy.round(now);
      assert.deepEqual(replayedIds(events, 1_000).slice(-2), ['1050', '1051']);
      assert.equal(service.open.has(1_051), false);
    } finally {
      service.close();
    }
  });

  it('stops a round when a downstream goes down or the service fails, and tries those letters again later', async () => {
    let failing = true;
    const service = await standInService((id) => (id === 2 && failing ? 500 : 200));
    service.add(1, 5);
    let ready = true;
    const events = new ControlEvents();
    const policy = new DeadLetterReplay({ calls: service.calls, events, services: ['orders'], isReady: () => ready });
    try {
      await policy.round(now);
      assert.deepEqual(replayedIds(events), ['1'], 'letter 2 met a 500: the round stopped, nothing recorded for it');
      failing = false;
      ready = false;
      await policy.round(now);
      assert.deepEqual(replayedIds(events), ['1'], 'nothing while a service it needs is down');
      ready = true;
      await policy.round(now);
      assert.deepEqual(replayedIds(events), ['1', '2', '3', '4', '5']);
    } finally {
      service.close();
    }
  });
});
