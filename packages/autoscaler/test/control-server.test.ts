/**
 * The controller's control API, as the gateway calls it (services/gateway/src/control-client.ts):
 * HTTP Basic with the gateway-ops client, the contract of packages/contracts/src/ops-control.ts, and
 * unauthenticated probes. A real socket: the server is node:http, and the header handling is the point.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { ControlEvent, ControlEventsResponse, ScalingStateResponse } from '@mercato/contracts';
import { createControlServer } from '../src/kubernetes/control-server.ts';

const SECRET = 'ops-secret-for-the-test-0123456789';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const GOOD = basic('gateway-ops', SECRET);

const events: ControlEvent[] = Array.from({ length: 600 }, (_, i) => ({
  seq: i + 1,
  id: `event-${i + 1}`,
  at: new Date(Date.UTC(2026, 11, 4, 9, 0, i)).toISOString(),
  kind: i % 2 === 0 ? 'scaled_up' : 'scaled_down',
  service: 'catalog',
  detail: { from: 2, to: 3, reason: 'forecast 300 req/s in 45 s needs 3 × 136 req/s', target: 'hpa.minReplicas' },
}));
const scaling: ScalingStateResponse = {
  autoscaling: true,
  services: [
    {
      name: 'catalog',
      instances: 3,
      desired: 3,
      min: 2,
      max: 10,
      forecast: [{ at: '2026-12-04T09:00:15.000Z', value: 250 }],
      reason: 'forecast 300 req/s in 45 s needs 3 × 136 req/s',
      decidedAt: '2026-12-04T09:00:00.000Z',
    },
  ],
};
const controller = {
  events: (after = 0): ControlEventsResponse => ({ items: events.filter((e) => e.seq > after).slice(0, 500) }),
  scaling: () => scaling,
};

let ready = false;
const server = createControlServer({ controller, opsClientSecret: SECRET, ready: () => ready });
let base: string;
before(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

const get = (path: string, authorization?: string) => fetch(base + path, { headers: authorization ? { authorization } : {} });

describe('the control API', () => {
  test('/events and /scaling answer 401 with a Basic challenge without the gateway-ops credential', async () => {
    for (const path of ['/events', '/events?after=3', '/scaling']) {
      for (const authorization of [
        undefined,
        basic('gateway-ops', 'wrong-secret-of-the-same-length!!!!'),
        basic('gateway-ops', `${SECRET}x`),
        basic('gateway', SECRET),
        `Bearer ${SECRET}`,
        GOOD.toLowerCase(),
      ]) {
        const response = await get(path, authorization);
        assert.equal(response.status, 401, `${path} with ${authorization}`);
        assert.match(response.headers.get('www-authenticate') ?? '', /^Basic /);
        assert.equal(response.headers.get('content-type'), 'application/problem+json');
        const body = (await response.json()) as { status: number };
        assert.equal(body.status, 401);
        assert.ok(!JSON.stringify(body).includes(SECRET));
      }
    }
  });

  test('with the credential, /events?after=<seq> answers the events after seq, oldest first, at most 500', async () => {
    const all = (await (await get('/events', GOOD)).json()) as ControlEventsResponse;
    assert.equal(all.items.length, 500);
    assert.equal(all.items[0]?.seq, 1);
    const later = await get('/events?after=550', GOOD);
    assert.equal(later.status, 200);
    assert.equal(later.headers.get('content-type'), 'application/json');
    const body = (await later.json()) as ControlEventsResponse;
    assert.deepEqual(
      body.items.map((e) => e.seq),
      Array.from({ length: 50 }, (_, i) => 551 + i),
    );
    assert.deepEqual(body.items[0], events[550]);
    assert.equal(((await (await get('/events?after=600', GOOD)).json()) as ControlEventsResponse).items.length, 0);
    for (const bad of ['-1', 'abc', '1e3', '']) assert.equal((await get(`/events?after=${bad}`, GOOD)).status, 400, `after=${bad}`);
  });

  test('with the credential, /scaling answers the scaling state', async () => {
    const response = await get('/scaling', GOOD);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await response.json(), scaling);
  });

  test('/health/live answers without a credential; /health/ready once the controller has made its first step', async () => {
    assert.equal((await get('/health/live')).status, 200);
    assert.equal((await get('/health/ready')).status, 503);
    ready = true;
    assert.equal((await get('/health/ready')).status, 200);
  });

  test('any other path is 404, with or without the credential, and only GET is served', async () => {
    for (const path of ['/', '/metrics', '/events/1', '/scaling/catalog', '/api/ops/events']) {
      assert.equal((await get(path)).status, 404, path);
      assert.equal((await get(path, GOOD)).status, 404, path);
    }
    const post = await fetch(`${base}/events`, { method: 'POST', headers: { authorization: GOOD }, body: '{}' });
    assert.equal(post.status, 405);
  });
});
