import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Instance } from '@mercato/contracts';
import { createLogger, createService, type Discovery, SERVICE_NAMES, type Service } from '@mercato/kit';
import { createTestIssuer, injectJson } from '@mercato/kit/testing';
import { gatewayDefinition } from '../src/app.ts';
import { OpsEvents } from '../src/ops-events.ts';
import { OpsMetrics } from '../src/ops-metrics.ts';

let gateway: Service;
let events: OpsEvents;
let admin: string;
let customer: string;

before(async () => {
  const issuer = await createTestIssuer();
  const definition = gatewayDefinition();
  gateway = await createService(
    {
      ...definition,
      jwks: () => issuer.jwks,
      // The gateway's own events store, to record into as the alert evaluation does.
      async setup(context) {
        const deps = await (definition.setup ?? assert.fail('the gateway has a setup'))(context);
        events = deps.opsEvents;
        return deps;
      },
    },
    { LOG_LEVEL: 'silent', GATEWAY_PORT: '0', MERCATO_REGISTRY_URL: 'http://127.0.0.1:1' },
  );
  admin = await issuer.userToken(['admin', 'customer']);
  customer = await issuer.userToken(['customer']);
});
after(() => gateway.app.close());

const list = (query = '', as: { token?: string } = { token: admin }) =>
  injectJson(gateway.app, 'GET', `/api/ops/events${query}`, { token: as.token });

function assertProblem(answer: Awaited<ReturnType<typeof list>>, status: number, what: string) {
  assert.equal(answer.status, status, `${what}: ${JSON.stringify(answer.body)}`);
  assert.match(String(answer.headers['content-type']), /^application\/problem\+json/, what);
  assert.equal(answer.body?.status, status, what);
}

describe('GET /api/ops/events', () => {
  it('is for admins: anonymous 401, a customer 403 (before the query is judged), an admin the list shape', async () => {
    assertProblem(await list('', {}), 401, 'anonymous');
    assertProblem(await list('', { token: customer }), 403, 'customer');
    assertProblem(await list('?nope=1', { token: customer }), 403, 'customer with a bad query');
    const answer = await list();
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { items: [], nextCursor: null });
  });

  it('an unknown parameter, a limit outside 1–100 or a cursor it did not give out is a 400 problem', async () => {
    assertProblem(await list('?since=yesterday'), 400, 'unknown parameter');
    assertProblem(await list('?limit=0'), 400, 'limit 0');
    assertProblem(await list('?limit=101'), 400, 'limit 101');
    assertProblem(await list('?limit=1e1'), 400, 'limit in exponent form');
    for (const cursor of ['garbage', Buffer.from('e0').toString('base64url'), Buffer.from('e1x').toString('base64url'), '%00']) {
      const answer = await list(`?cursor=${cursor}`);
      assertProblem(answer, 400, `cursor ${cursor}`);
      if (answer.status === 400 && cursor !== '%00') assert.equal(answer.body?.errors?.[0]?.parameter, 'cursor');
    }
  });

  it('lists the newest first, each { id, at, kind, service, detail }, page after page to the oldest', async () => {
    const recorded = Array.from({ length: 25 }, (_, i) =>
      events.record(i % 2 === 0 ? 'alert_firing' : 'alert_resolved', SERVICE_NAMES[i % SERVICE_NAMES.length] ?? 'orders', {
        alert: 'InstanceDown',
        severity: 'critical',
        summary: `event ${i}`,
      }),
    );
    const first = await list();
    assert.equal(first.body?.items.length, 20, 'default limit 20');
    const pages: { id: string }[][] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const answer = await list(`?limit=10${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      pages.push(answer.body?.items);
      cursor = answer.body?.nextCursor ?? null;
    }
    assert.deepEqual(
      pages.map((page) => page.length),
      [10, 10, 5],
    );
    assert.deepEqual(
      pages.flat().map((e) => e.id),
      recorded.map((e) => e.id).reverse(),
    );
    const [newest] = pages[0] ?? [];
    assert.deepEqual(Object.keys(newest ?? {}), ['id', 'at', 'kind', 'service', 'detail']);
    assert.deepEqual(newest, JSON.parse(JSON.stringify(recorded.at(-1))));
    // Recording more does not shift a page already handed out: its cursor goes on from where it was.
    const page = await list('?limit=5');
    events.record('alert_firing', 'cart', { alert: 'HighErrorRate', severity: 'critical', summary: 'later' });
    const next = await list(`?limit=5&cursor=${page.body?.nextCursor}`);
    assert.deepEqual(
      next.body?.items.map((e: { id: string }) => e.id),
      recorded
        .map((e) => e.id)
        .reverse()
        .slice(5, 10),
    );
  });
});

describe('GET /api/ops/metrics', () => {
  it('keeps the fields API.md lists and adds the last minute of business and the bus ages', async () => {
    const answer = await injectJson(gateway.app, 'GET', '/api/ops/metrics', { token: admin });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(Object.keys(answer.body ?? {}), ['at', 'services', 'bus', 'business']);
    assert.deepEqual(
      answer.body?.services.map((s: Record<string, unknown>) => Object.keys(s)),
      SERVICE_NAMES.map(() => ['name', 'instances', 'rps', 'p99Ms', 'errorRate']),
    );
    assert.deepEqual(answer.body?.bus, { backlog: 0, deadLetters: 0, oldestOutboxAgeSeconds: 0, sagaOldestStepAgeSeconds: 0 });
    assert.deepEqual(answer.body?.business, {
      windowSeconds: 60,
      ordersPlaced: 0,
      ordersConfirmed: 0,
      ordersCancelled: {},
      revenueConfirmed: [],
      paymentDeclines: 0,
      reservationFailures: 0,
      sagaStepP99Ms: {},
    });
  });
});

describe('the events store', () => {
  it('keeps the newest events only, and its pages go on past what was dropped', () => {
    const store = new OpsEvents({ capacity: 3 });
    const ids = Array.from({ length: 5 }, (_, i) => store.record('anomaly', 'cart', { n: i }).id);
    const page = store.page(2);
    assert.deepEqual(
      page.items.map((e) => e.id),
      [ids[4], ids[3]],
    );
    const rest = store.page(2, page.next);
    assert.deepEqual(
      rest.items.map((e) => e.id),
      [ids[2]],
    );
    assert.equal(rest.next, undefined);
  });
});

describe("the gateway's alert evaluation", () => {
  it('after each round, an alert that starts firing and its end are each recorded once as an ops event', async () => {
    let now = 1_000_000;
    const live = new Map<string, Instance[]>();
    const discovery: Discovery = {
      instances: (service) => live.get(service) ?? [],
      pick: (service) => live.get(service)?.[0],
      snapshot: () => live,
      close: () => undefined,
    };
    for (const name of SERVICE_NAMES) {
      live.set(name, [{ id: `${name}-1`, service: name, url: 'http://127.0.0.1:1', status: 'up', startedAt: '' } as Instance]);
    }
    const store = new OpsEvents({ now: () => now });
    const metrics = new OpsMetrics({
      discovery,
      tokens: undefined,
      log: createLogger({ service: 'gateway', instance: 'test', level: 'silent' }),
      events: store,
      now: () => now,
    });
    const round = async (ms: number) => {
      now += ms;
      await metrics.scrape();
    };
    await round(0);
    live.set('cart', []);
    await round(5_000);
    await round(30_000);
    assert.deepEqual(store.page(100).items, [], 'down for less than its minute: nothing yet');
    await round(30_000);
    await round(5_000);
    live.set('cart', [{ id: 'cart-2', service: 'cart', url: 'http://127.0.0.1:1', status: 'up', startedAt: '' } as Instance]);
    await round(5_000);
    await round(5_000);
    const recorded = store
      .page(100)
      .items.reverse()
      .map((e) => [e.kind, e.service, e.detail.alert, e.at]);
    assert.deepEqual(recorded, [
      ['alert_firing', 'cart', 'InstanceDown', new Date(1_000_000 + 65_000).toISOString()],
      ['alert_resolved', 'cart', 'InstanceDown', new Date(1_000_000 + 75_000).toISOString()],
    ]);
  });
});
