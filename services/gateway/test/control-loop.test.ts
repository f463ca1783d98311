import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type ControlEvent, type ControlEventKind, GATEWAY_OPS_CLIENT, type ScalingStateResponse } from '@mercato/contracts';
import { createService, SERVICE_NAMES } from '@mercato/kit';
import { createTestIssuer, injectJson } from '@mercato/kit/testing';
import { gatewayDefinition } from '../src/app.ts';
import type { OpsMetrics } from '../src/ops-metrics.ts';

const SECRET = 'control-loop-test-secret';

/** A control loop that speaks packages/contracts/src/ops-control.ts, in memory, as `mercato up`'s supervisor would. */
class FakeControlLoop {
  events: ControlEvent[] = [];
  scaling: ScalingStateResponse | undefined;
  /** How it answers: the contract, something else, or nothing at all. */
  mode: 'contract' | 'garbage' | 'hang' | 'huge' = 'contract';
  requests: { path: string; authorization: string | undefined }[] = [];
  #seq = 0;
  readonly server: Server;

  constructor() {
    this.server = createServer((request, response) => {
      this.requests.push({ path: request.url ?? '', authorization: request.headers.authorization });
      if (request.headers.authorization !== `Basic ${Buffer.from(`${GATEWAY_OPS_CLIENT}:${SECRET}`).toString('base64')}`) {
        response.writeHead(401).end();
        return;
      }
      if (this.mode === 'hang') return; // never answers: the gateway's 2 s timeout has to end it
      const url = new URL(request.url ?? '/', 'http://control');
      const send = (body: unknown) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (this.mode === 'garbage')
        return send(url.pathname === '/events' ? { items: [{ seq: 'one', kind: 'exploded' }] } : { services: 'many' });
      if (this.mode === 'huge') return send({ items: [], padding: 'x'.repeat(2 * 1024 * 1024) });
      if (url.pathname === '/events') {
        const after = Number(url.searchParams.get('after') ?? 0);
        return send({ items: this.events.filter((e) => e.seq > after).slice(0, 500) });
      }
      if (url.pathname === '/scaling' && this.scaling) return send(this.scaling);
      response.writeHead(404).end();
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  record(kind: ControlEventKind, service: string, detail: ControlEvent['detail'] = {}): ControlEvent {
    this.#seq += 1;
    const event = {
      seq: this.#seq,
      id: randomUUID(),
      at: new Date(Date.UTC(2030, 0, 1, 0, 0, this.#seq)).toISOString(),
      kind,
      service,
      detail,
    };
    this.events.push(event);
    return event;
  }

  /** The process restarted: its memory and numbering begin again. */
  restart(): void {
    this.events = [];
    this.#seq = 0;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function startGateway(env: Record<string, string>) {
  const issuer = await createTestIssuer();
  const definition = gatewayDefinition();
  let opsMetrics: OpsMetrics | undefined;
  const gateway = await createService(
    {
      ...definition,
      jwks: () => issuer.jwks,
      // The ops round, to drive it as its 5 s timer would.
      async setup(context) {
        const deps = await (definition.setup ?? assert.fail('the gateway has a setup'))(context);
        opsMetrics = deps.opsMetrics;
        return deps;
      },
    },
    { LOG_LEVEL: 'silent', GATEWAY_PORT: '0', MERCATO_REGISTRY_URL: 'http://127.0.0.1:1', ...env },
  );
  return {
    gateway,
    round: () => (opsMetrics ?? assert.fail('setup ran')).scrape(),
    admin: await issuer.userToken(['admin', 'customer']),
    customer: await issuer.userToken(['customer']),
  };
}

const control = new FakeControlLoop();
let withControl: Awaited<ReturnType<typeof startGateway>>;
let withoutControl: Awaited<ReturnType<typeof startGateway>>;

before(async () => {
  const url = await control.listen();
  withControl = await startGateway({ MERCATO_CONTROL_URL: url, MERCATO_OPS_CLIENT_SECRET: SECRET });
  withoutControl = await startGateway({});
});
after(async () => {
  await withControl.gateway.app.close();
  await withoutControl.gateway.app.close();
  await control.close();
});
beforeEach(() => {
  control.mode = 'contract';
});

const eventsOf = async (g = withControl) => {
  const answer = await injectJson(g.gateway.app, 'GET', '/api/ops/events?limit=100', { token: g.admin });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body?.items as { id: string; at: string; kind: string; service: string; detail: object }[];
};
const scalingOf = (g: typeof withControl, query = '', as: { token?: string } = { token: g.admin }) =>
  injectJson(g.gateway.app, 'GET', `/api/ops/scaling${query}`, { token: as.token });

describe("the control loop's events in GET /api/ops/events", () => {
  it('appear newest first with their own id, at, kind and detail, each once however many rounds see them', async () => {
    const restarted = control.record('restarted', 'cart', { instance: 'cart-1', exitCode: 1 });
    const scaled = control.record('scaled_up', 'catalog', { from: 1, to: 2, reason: 'forecast 412 req/s' });
    await withControl.round();
    await withControl.round();
    const crashLoop = control.record('crash_loop', 'orders', { restarts: 5 });
    await withControl.round();
    await withControl.round();
    const kept = await eventsOf();
    assert.deepEqual(
      kept.map((e) => e.id),
      [crashLoop.id, scaled.id, restarted.id],
    );
    const { seq: _seq, ...asSent } = scaled;
    assert.deepEqual(
      kept.find((e) => e.id === scaled.id),
      asSent,
    );
    assert.deepEqual(
      kept.map((e) => e.kind),
      ['crash_loop', 'scaled_up', 'restarted'],
    );
    const authorizations = new Set(control.requests.filter((r) => r.path.startsWith('/events')).map((r) => r.authorization));
    assert.deepEqual([...authorizations], [`Basic ${Buffer.from(`gateway-ops:${SECRET}`).toString('base64')}`]);
  });

  it('a control loop that restarts (its numbering begins again) is followed from its first new event, nothing listed twice', async () => {
    const before = (await eventsOf()).map((e) => e.id);
    control.restart();
    await withControl.round();
    const first = control.record('restarted', 'payments', { instance: 'payments-1' });
    await withControl.round();
    const second = control.record('scaled_down', 'catalog', { from: 2, to: 1 });
    const third = control.record('anomaly', 'catalog', { series: 'latency_p99', value: 250, expected: 12, score: 9, unit: 'ms' });
    await withControl.round();
    await withControl.round();
    // A restart while the gateway was not looking, with more events already than it had seen.
    control.restart();
    const again = [
      control.record('restarted', 'cart'),
      control.record('restarted', 'cart'),
      control.record('restarted', 'cart'),
      control.record('replayed', 'orders'),
    ];
    await withControl.round();
    await withControl.round();
    const ids = (await eventsOf()).map((e) => e.id);
    assert.deepEqual(ids, [...[first, second, third, ...again].map((e) => e.id).reverse(), ...before]);
    assert.equal(new Set(ids).size, ids.length, 'no id twice');
  });

  it('garbage, an answer over 1 MiB or no answer from the control loop adds nothing and breaks nothing', async () => {
    const before = (await eventsOf()).map((e) => e.id);
    control.record('restarted', 'identity');
    for (const mode of ['garbage', 'huge', 'hang'] as const) {
      control.mode = mode;
      await withControl.round();
      assert.deepEqual(
        (await eventsOf()).map((e) => e.id),
        before,
        mode,
      );
    }
    control.mode = 'contract';
    await withControl.round();
    assert.equal((await eventsOf()).length, before.length + 1, 'the event waited for the next good answer');
  });
});

describe('GET /api/ops/scaling', () => {
  it('is for admins: anonymous 401, a customer 403 (before the query is judged), any query parameter 400', async () => {
    for (const [query, token, status] of [
      ['', undefined, 401],
      ['', withoutControl.customer, 403],
      ['?junk=1', withoutControl.customer, 403],
      ['?junk=1', withoutControl.admin, 400],
    ] as const) {
      const answer = await scalingOf(withoutControl, query, { token });
      assert.equal(answer.status, status, `${query} ${JSON.stringify(answer.body)}`);
      assert.match(String(answer.headers['content-type']), /^application\/problem\+json/);
    }
  });

  it("with a control loop, shows its decisions in API.md's shape", async () => {
    const service = (name: string, instances: number, desired: number) => ({
      name,
      instances,
      desired,
      min: 1,
      max: 4,
      forecast: [
        { at: '2030-01-01T00:00:05.000Z', value: 120.5 },
        { at: '2030-01-01T00:00:10.000Z', value: 130 },
      ],
      reason: desired > instances ? 'forecast 412 req/s in 60 s needs 3 × 170 req/s' : 'load within capacity',
      decidedAt: '2030-01-01T00:00:00.000Z',
    });
    control.scaling = { autoscaling: true, services: SERVICE_NAMES.map((name) => service(name, 1, name === 'catalog' ? 3 : 1)) };
    const answer = await scalingOf(withControl);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(answer.body, { services: control.scaling.services, autoscaling: true });
    assert.deepEqual(Object.keys(answer.body?.services[0] ?? {}), [
      'name',
      'instances',
      'desired',
      'min',
      'max',
      'forecast',
      'reason',
      'decidedAt',
    ]);
  });

  it('without a control loop, every service as discovery sees it, "autoscaling off"', async () => {
    const answer = await scalingOf(withoutControl);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body?.autoscaling, false);
    assert.deepEqual(
      answer.body?.services.map((s: { name: string }) => s.name),
      [...SERVICE_NAMES],
    );
    for (const s of answer.body?.services ?? []) {
      assert.deepEqual(
        { ...s, decidedAt: undefined },
        { name: s.name, instances: 0, desired: 0, min: 0, max: 0, forecast: [], reason: 'autoscaling off', decidedAt: undefined },
      );
      assert.ok(Math.abs(Date.parse(s.decidedAt) - Date.now()) < 5_000, 'decided now');
    }
  });

  it('a control loop that answers garbage or not in time: still 200, "control loop unreachable"', async () => {
    for (const mode of ['garbage', 'hang'] as const) {
      control.mode = mode;
      const started = Date.now();
      const answer = await scalingOf(withControl);
      assert.equal(answer.status, 200, `${mode}: ${JSON.stringify(answer.body)}`);
      assert.ok(Date.now() - started < 3_000, `${mode}: answered within the 2 s timeout`);
      assert.equal(answer.body?.autoscaling, false);
      assert.equal(answer.body?.services.length, SERVICE_NAMES.length);
      for (const s of answer.body?.services ?? []) {
        assert.equal(s.reason, 'control loop unreachable', mode);
        assert.equal(s.desired, s.instances);
      }
    }
  });
});
