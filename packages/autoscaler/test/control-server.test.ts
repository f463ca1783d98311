/**
 * The control loop's HTTP face (src/control/control-server.ts) as the gateway calls it
 * (services/gateway/src/control-client.ts): HTTP Basic with the gateway-ops client, the contract of
 * packages/contracts/src/ops-control.ts, unauthenticated probes, and mTLS when given certificates. Both
 * of its users stand behind it here: the supervisor of `mercato up` (a ControlEvents of its own, a scaling
 * state function, always ready) and the Kubernetes controller (its HpaController's events and scaling
 * state, ready after its first step). Real sockets: the server is node:http(s), and the header handling
 * is the point.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ControlEventsResponse, ScalingStateResponse } from '@mercato/contracts';
import type { Scaler, ScalingLimits, ServiceLoad } from '../src/api.ts';
import { ControlEvents } from '../src/control/control-events.ts';
import { type ControlServer, startControlServer } from '../src/control/control-server.ts';
import { HpaController } from '../src/kubernetes/controller.ts';
import type { HpaPort, HpaState } from '../src/kubernetes/hpa-min-replicas.ts';
import type { LoadSource } from '../src/kubernetes/prometheus-load.ts';

const SECRET = 'ops-secret-for-the-test-0123456789';
/** What the control loop is given: the secret's SHA-256, never the secret. */
const SECRET_SHA256 = createHash('sha256').update(SECRET).digest('hex');
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const GOOD = basic('gateway-ops', SECRET);
const WRONG = [
  undefined,
  basic('gateway-ops', 'wrong-secret-of-the-same-length!!!!'),
  basic('gateway-ops', `${SECRET}x`),
  basic('gateway-ops', ''),
  basic('gateway', SECRET),
  `Bearer ${SECRET}`,
  GOOD.toLowerCase(),
  `Basic ${Buffer.from(`gateway-ops${SECRET}`).toString('base64')}`,
  `Basic ${SECRET_SHA256}`,
  basic('gateway-ops', SECRET_SHA256),
  'Basic !!!',
];

const call = (base: string, path: string, init: { authorization?: string | undefined; method?: string } = {}) =>
  fetch(base + path, { method: init.method ?? 'GET', headers: init.authorization ? { authorization: init.authorization } : {} });
const eventsOf = async (base: string, after?: number) =>
  (
    (await (
      await call(base, `/events${after === undefined ? '' : `?after=${after}`}`, { authorization: GOOD })
    ).json()) as ControlEventsResponse
  ).items;

// ————— the supervisor's: its own event log and scaling state function, no readiness —————

describe('the control server as the supervisor runs it', () => {
  const events = new ControlEvents();
  for (let i = 0; i < 600; i++) {
    events.record(i % 2 === 0 ? 'restarted' : 'scaled_up', 'catalog', { instance: `catalog#${i % 3}`, n: i + 1 });
  }
  // As autoscaleLoop.state() or scalingOff(processes) answers: asked anew at every call.
  let instances = 2;
  const scaling = (): ScalingStateResponse => ({
    autoscaling: false,
    services: [
      {
        name: 'catalog',
        instances,
        desired: instances,
        min: instances,
        max: instances,
        forecast: [],
        reason: 'autoscaling off',
        decidedAt: '2026-12-04T09:00:00.000Z',
      },
    ],
  });
  let server: ControlServer;
  before(async () => {
    server = await startControlServer({
      host: '127.0.0.1',
      port: 0,
      clientId: 'gateway-ops',
      clientSecretSha256: SECRET_SHA256,
      events,
      scaling,
    });
  });
  after(() => server.close());

  test('resolves once listening, with its URL', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await call(server.url, '/health/live')).status, 200);
  });

  test('a request target that is no path (GET http://[ HTTP/1.1) is a 400, and the server goes on answering', async () => {
    const { port } = new URL(server.url);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.end('GET http://[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString('utf8')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    assert.match(raw, /^HTTP\/1\.1 400 /);
    assert.equal((await call(server.url, '/health/live')).status, 200);
  });

  test('/events and /scaling answer 401 with a Basic challenge and a problem without the gateway-ops credential', async () => {
    for (const path of ['/events', '/events?after=3', '/scaling']) {
      for (const authorization of WRONG) {
        const response = await call(server.url, path, { authorization });
        assert.equal(response.status, 401, `${path} with ${authorization}`);
        assert.match(response.headers.get('www-authenticate') ?? '', /^Basic realm="/);
        assert.equal(response.headers.get('content-type'), 'application/problem+json');
        const body = (await response.json()) as { status: number; title: string };
        assert.equal(body.status, 401);
        assert.equal(body.title, 'Unauthorized');
        assert.ok(!JSON.stringify(body).includes(SECRET));
      }
    }
  });

  test('with the credential, /events?after=<seq> answers the log’s events after seq, oldest first, at most 500', async () => {
    const all = await eventsOf(server.url);
    assert.equal(all.length, 500);
    assert.equal(all[0]?.seq, 1);
    const later = await call(server.url, '/events?after=550', { authorization: GOOD });
    assert.equal(later.status, 200);
    assert.equal(later.headers.get('content-type'), 'application/json');
    assert.equal(later.headers.get('cache-control'), 'no-store');
    const { items } = (await later.json()) as ControlEventsResponse;
    assert.deepEqual(
      items.map((e) => e.seq),
      Array.from({ length: 50 }, (_, i) => 551 + i),
    );
    assert.deepEqual(items, events.after(550));
    assert.equal((await eventsOf(server.url, 600)).length, 0);
    // A new event is there at the next call.
    events.record('crash_loop', 'cart', { instance: 'cart#0', restarts: 5, windowSeconds: 60 });
    assert.deepEqual(
      (await eventsOf(server.url, 600)).map((e) => [e.seq, e.kind, e.service]),
      [[601, 'crash_loop', 'cart']],
    );
    for (const bad of ['-1', 'abc', '1e3', '', '1234567890123456']) {
      const response = await call(server.url, `/events?after=${bad}`, { authorization: GOOD });
      assert.equal(response.status, 400, `after=${bad}`);
      assert.equal(response.headers.get('content-type'), 'application/problem+json');
    }
  });

  test('with the credential, /scaling answers the scaling state function, asked at each call', async () => {
    const response = await call(server.url, '/scaling', { authorization: GOOD });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await response.json(), scaling());
    instances = 3;
    const again = (await (await call(server.url, '/scaling', { authorization: GOOD })).json()) as ScalingStateResponse;
    assert.equal(again.services[0]?.instances, 3);
  });

  test('without a ready() callback /health/ready is always 200; both probes need no credential', async () => {
    for (const path of ['/health/live', '/health/ready']) {
      const response = await call(server.url, path);
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get('content-type'), 'application/json');
    }
  });

  test('HEAD is served like GET, without a body', async () => {
    const head = await call(server.url, '/scaling', { method: 'HEAD', authorization: GOOD });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-type'), 'application/json');
    assert.equal(Number(head.headers.get('content-length')), JSON.stringify(scaling()).length);
    assert.equal(await head.text(), '');
    assert.equal((await call(server.url, '/events', { method: 'HEAD' })).status, 401);
    assert.equal((await call(server.url, '/health/ready', { method: 'HEAD' })).status, 200);
  });

  test('any other method is 405 with Allow; any other path 404, with or without the credential', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      for (const path of ['/events', '/scaling', '/health/ready']) {
        const response = await call(server.url, path, { method, authorization: GOOD });
        assert.equal(response.status, 405, `${method} ${path}`);
        assert.equal(response.headers.get('allow'), 'GET, HEAD');
        assert.equal(response.headers.get('content-type'), 'application/problem+json');
        assert.equal(((await response.json()) as { status: number }).status, 405);
      }
    }
    for (const path of ['/', '/metrics', '/events/1', '/scaling/catalog', '/api/ops/events']) {
      for (const authorization of [undefined, GOOD]) {
        const response = await call(server.url, path, { authorization });
        assert.equal(response.status, 404, path);
        assert.equal(response.headers.get('content-type'), 'application/problem+json');
      }
    }
  });
});

// ————— the Kubernetes controller's: its HpaController's events and scaling state, ready after a step —————

/** An HPA in memory, as the API server would keep it. */
class MemoryHpas implements HpaPort {
  readonly hpas = new Map<string, HpaState>();
  async read(name: string): Promise<HpaState> {
    const hpa = this.hpas.get(name);
    if (!hpa) throw Object.assign(new Error(`${name} not found`), { code: 404 });
    return { ...hpa };
  }
  async setMinReplicas(name: string, minReplicas: number): Promise<void> {
    const hpa = this.hpas.get(name) as HpaState;
    this.hpas.set(name, { ...hpa, minReplicas, currentReplicas: Math.max(hpa.currentReplicas, minReplicas) });
  }
}

/** A scaler that wants what the last reading needs at 80 req/s a pod, within its limits. */
const simpleScaler = (limits: ScalingLimits): Scaler => {
  let last: ServiceLoad | undefined;
  return {
    observe: (load) => {
      last = load;
    },
    decide: (_current, now) => {
      const needed = Math.ceil((last?.rps ?? 0) / 80);
      const desired = Math.min(limits.max, Math.max(limits.min, needed));
      return {
        at: now,
        desired,
        needed,
        capped: needed > limits.max,
        forecast: [{ at: now + 15_000, value: last?.rps ?? 0 }],
        reason: `${last?.rps} req/s needs ${needed} × 80 req/s`,
      };
    },
  };
};

describe('the control server as the Kubernetes controller runs it', () => {
  const hpas = new MemoryHpas();
  hpas.hpas.set('catalog', { name: 'catalog', minReplicas: 2, maxReplicas: 10, currentReplicas: 2, resourceVersion: '1' });
  let rps = 100;
  const load: LoadSource = { read: async (_service, instances, now) => ({ ok: true, load: { at: now, rps, instances } }) };
  const now = Date.UTC(2026, 11, 4, 9, 0, 0);
  const controller = new HpaController({
    services: [{ name: 'catalog', hpa: 'catalog', capacityRps: 100, floor: 2 }],
    hpas,
    load,
    scalerFor: simpleScaler,
    log: { info: () => {}, warn: () => {} },
    now: () => now,
  });
  let stepped = false;
  let server: ControlServer;
  before(async () => {
    server = await startControlServer({
      host: '127.0.0.1',
      port: 0,
      clientId: 'gateway-ops',
      clientSecretSha256: SECRET_SHA256,
      events: controller.events,
      scaling: () => controller.scaling(),
      ready: () => stepped,
    });
  });
  after(() => server.close());

  test('/health/ready is 503 until the first step; /health/live is 200 all along', async () => {
    assert.equal((await call(server.url, '/health/live')).status, 200);
    const starting = await call(server.url, '/health/ready');
    assert.equal(starting.status, 503);
    assert.deepEqual(await starting.json(), { status: 'starting' });
    assert.deepEqual(await eventsOf(server.url), []);
    const before = (await (await call(server.url, '/scaling', { authorization: GOOD })).json()) as ScalingStateResponse;
    assert.equal(before.services[0]?.reason, 'no load reading yet');

    await controller.step();
    stepped = true;
    assert.equal((await call(server.url, '/health/ready')).status, 200);
  });

  test('/events answers what the controller recorded into its ControlEvents, stamped by its clock', async () => {
    rps = 500; // 7 pods of 80 req/s
    await controller.step();
    assert.equal(hpas.hpas.get('catalog')?.minReplicas, 7);
    const items = await eventsOf(server.url);
    assert.deepEqual(
      items.map((e) => [e.seq, e.kind, e.service, e.detail.from, e.detail.to, e.detail.target, e.at]),
      [[1, 'scaled_up', 'catalog', 2, 7, 'hpa.minReplicas', new Date(now).toISOString()]],
    );
    assert.deepEqual(items, controller.events.after(0));
    assert.deepEqual(await eventsOf(server.url, 1), []);

    rps = 1_000; // 13 pods: beyond maxReplicas 10
    await controller.step();
    const later = await eventsOf(server.url, 1);
    assert.deepEqual(
      later.map((e) => [e.seq, e.kind, e.detail.alert ?? e.detail.to]),
      [
        [2, 'scaled_up', 10],
        [3, 'alert_firing', 'ScalingCapped'],
      ],
    );
  });

  test('/scaling answers the controller’s scaling state; the credential is required as for the supervisor', async () => {
    const response = await call(server.url, '/scaling', { authorization: GOOD });
    assert.equal(response.status, 200);
    const body = (await response.json()) as ScalingStateResponse;
    assert.deepEqual(body, JSON.parse(JSON.stringify(controller.scaling())));
    assert.equal(body.autoscaling, true);
    // instances: the HPA's currentReplicas as read at the step's start, before minReplicas went to 10.
    assert.deepEqual(
      body.services.map((s) => [s.name, s.instances, s.desired, s.min, s.max]),
      [['catalog', 7, 10, 2, 10]],
    );
    for (const authorization of WRONG) {
      const refused = await call(server.url, '/scaling', { authorization });
      assert.equal(refused.status, 401);
      assert.match(refused.headers.get('www-authenticate') ?? '', /^Basic /);
    }
  });

  test('a controller given a ControlEvents records into it', async () => {
    const shared = new ControlEvents();
    const given = new HpaController({
      services: [{ name: 'catalog', hpa: 'catalog', capacityRps: 100, floor: 2 }],
      hpas,
      load,
      scalerFor: simpleScaler,
      log: { info: () => {}, warn: () => {} },
      events: shared,
    });
    assert.equal(given.events, shared);
    rps = 80;
    await given.step();
    assert.deepEqual(
      shared.all().map((e) => [e.seq, e.kind, e.detail.from, e.detail.to]),
      [[1, 'scaled_down', 10, 2]],
    );
  });
});

describe('the control server without a secret', () => {
  test('lets nobody in', async () => {
    const server = await startControlServer({
      host: '127.0.0.1',
      port: 0,
      clientId: 'gateway-ops',
      clientSecretSha256: '',
      events: new ControlEvents(),
      scaling: () => ({ autoscaling: false, services: [] }),
    });
    try {
      for (const authorization of [undefined, basic('gateway-ops', ''), 'Basic ']) {
        assert.equal((await call(server.url, '/scaling', { authorization })).status, 401);
      }
    } finally {
      await server.close();
    }
  });
});

// ————— under MERCATO_INTERNAL_TLS=on: HTTPS, and only a client with a certificate from the CA —————

describe('the control server under internal mTLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mercato-control-tls-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore', cwd: dir });
  const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  let serial = 1_000;
  /** A key and a certificate for `name`: self-signed (a CA) without `ca`, else signed by it, with `extensions` if any. */
  const issue = (name: string, ca?: string, extensions?: string) => {
    const key = ['-keyout', file(`${name}.key`), '-subj', `/CN=${name}`];
    if (!ca) {
      openssl('req', '-x509', ...EC, ...key, '-out', file(`${name}.pem`), '-days', '1');
      return;
    }
    openssl('req', ...EC, ...key, '-out', file(`${name}.csr`));
    const signed = ['-in', file(`${name}.csr`), '-out', file(`${name}.pem`), '-days', '1'];
    const by = ['-CA', file(`${ca}.pem`), '-CAkey', file(`${ca}.key`), '-set_serial', String(serial++)];
    if (extensions) writeFileSync(file(`${name}.ext`), extensions);
    openssl('x509', '-req', ...signed, ...by, ...(extensions ? ['-extfile', file(`${name}.ext`)] : []));
  };
  const read = (name: string) => readFileSync(file(name));

  const events = new ControlEvents();
  events.record('restarted', 'cart', { instance: 'cart#0' });
  let server: ControlServer;
  before(async () => {
    issue('ca');
    issue('other-ca');
    issue('supervisor', 'ca', 'subjectAltName=IP:127.0.0.1\n');
    issue('gateway', 'ca');
    issue('stranger', 'other-ca');
    server = await startControlServer({
      host: '127.0.0.1',
      port: 0,
      clientId: 'gateway-ops',
      clientSecretSha256: SECRET_SHA256,
      events,
      scaling: () => ({ autoscaling: false, services: [] }),
      tls: { ca: read('ca.pem'), cert: read('supervisor.pem'), key: read('supervisor.key') },
    });
  });
  after(() => server.close());

  const get = (path: string, client: string | undefined) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpsRequest(
        `${server.url}${path}`,
        {
          ca: read('ca.pem'),
          ...(client ? { cert: read(`${client}.pem`), key: read(`${client}.key`) } : {}),
          headers: { authorization: GOOD },
          agent: false,
        },
        (response) => {
          let body = '';
          response.setEncoding('utf8').on('data', (chunk: string) => {
            body += chunk;
          });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        },
      );
      request.on('error', reject).end();
    });

  test('serves HTTPS to a client with a certificate from the CA', async () => {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const answer = await get('/events', 'gateway');
    assert.equal(answer.status, 200);
    assert.deepEqual((JSON.parse(answer.body) as ControlEventsResponse).items, events.after(0));
  });

  test('refuses a client without a certificate, or with one from another CA', async () => {
    await assert.rejects(get('/events', undefined));
    await assert.rejects(get('/health/live', 'stranger'));
  });
});
