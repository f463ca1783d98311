/**
 * The controller against the two HTTP APIs it talks to, each stood up here as a small node:http server
 * that speaks it: the Kubernetes API server's autoscaling/v2 HorizontalPodAutoscaler GET and merge
 * PATCH (reached through @kubernetes/client-node, as in a cluster), and Prometheus's /api/v1/query.
 * Time is the controller's clock, moved 15 s per step; the scaler is the engine's PredictiveScaler.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import type { ScalingLimits } from '../src/api.ts';
import { PredictiveScaler } from '../src/index.ts';
import { type ControlledService, HpaController } from '../src/kubernetes/controller.ts';
import { KubernetesHpas } from '../src/kubernetes/hpa-min-replicas.ts';
import { PrometheusLoad } from '../src/kubernetes/prometheus-load.ts';

const NAMESPACE = 'mercato';
const STEP_MS = 15_000;
const HPA_PATH = /^\/apis\/autoscaling\/v2\/namespaces\/([^/]+)\/horizontalpodautoscalers\/([^/?]+)$/;

// ————— a Kubernetes API server that knows HorizontalPodAutoscalers —————

interface FakeHpa {
  minReplicas: number;
  maxReplicas: number;
  currentReplicas: number;
  resourceVersion: number;
}

interface PatchBody {
  metadata?: { resourceVersion?: string };
  spec: { minReplicas?: number };
}

class FakeApiServer {
  readonly hpas = new Map<string, FakeHpa>();
  readonly patches: { name: string; contentType: string | undefined; body: PatchBody }[] = [];
  /** Answer every request with this status instead (an API server in trouble). */
  failWith: number | undefined;
  /** Runs once after the next GET has been answered (someone else changing the HPA meanwhile). */
  afterRead: ((hpa: FakeHpa) => void) | undefined;
  server: Server = createServer((request, response) => void this.#handle(request, response));

  async #handle(request: IncomingMessage, response: import('node:http').ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const status = (code: number, reason: string, message: string) =>
      reply(code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code });
    if (request.headers.authorization !== 'Bearer test-token') return status(401, 'Unauthorized', 'Unauthorized');
    if (this.failWith) return status(this.failWith, 'InternalError', 'etcd is having a day');
    const match = HPA_PATH.exec(new URL(request.url ?? '/', 'http://x').pathname);
    const hpa = match && match[1] === NAMESPACE ? this.hpas.get(match[2] ?? '') : undefined;
    if (!match || !hpa) return status(404, 'NotFound', `horizontalpodautoscalers.autoscaling "${match?.[2]}" not found`);
    const name = match[2] as string;
    if (request.method === 'PATCH') {
      const contentType = request.headers['content-type'];
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as PatchBody;
      this.patches.push({ name, contentType, body });
      if (contentType !== 'application/merge-patch+json') return status(415, 'UnsupportedMediaType', String(contentType));
      const version = body.metadata?.resourceVersion;
      if (version !== undefined && version !== String(hpa.resourceVersion)) {
        return status(409, 'Conflict', 'the object has been modified; please apply your changes to the latest version and try again');
      }
      const min = body.spec?.minReplicas ?? hpa.minReplicas;
      // The API server's validation: 1 ≤ minReplicas ≤ maxReplicas.
      if (!Number.isInteger(min) || min < 1 || min > hpa.maxReplicas) {
        return status(422, 'Invalid', `spec.minReplicas: Invalid value: ${min}: must be less than or equal to maxReplicas`);
      }
      hpa.minReplicas = min;
      hpa.resourceVersion += 1;
      // The HPA controller itself then keeps replicas at minReplicas at least.
      hpa.currentReplicas = Math.max(hpa.currentReplicas, min);
    } else if (request.method !== 'GET') return status(405, 'MethodNotAllowed', String(request.method));
    reply(200, this.#object(name, hpa));
    if (request.method === 'GET' && this.afterRead) {
      const change = this.afterRead;
      this.afterRead = undefined;
      change(hpa);
    }
  }

  #object(name: string, hpa: FakeHpa) {
    return {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name, namespace: NAMESPACE, resourceVersion: String(hpa.resourceVersion) },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
        minReplicas: hpa.minReplicas,
        maxReplicas: hpa.maxReplicas,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      },
      status: { currentReplicas: hpa.currentReplicas, desiredReplicas: hpa.currentReplicas },
    };
  }
}

// ————— a Prometheus that answers instant queries —————

class FakePrometheus {
  /** Requests per second per service, as `sum(rate(...))` would answer. */
  readonly rps = new Map<string, number>();
  /** When set, the raw answer to every query (garbage, errors). */
  answer: { status: number; body: string } | undefined;
  queries = 0;
  server: Server = createServer((request, response) => {
    this.queries += 1;
    const url = new URL(request.url ?? '/', 'http://x');
    if (this.answer) {
      response.writeHead(this.answer.status, { 'content-type': 'application/json' });
      return response.end(this.answer.body);
    }
    if (url.pathname !== '/api/v1/query') {
      response.writeHead(404);
      return response.end('404 page not found');
    }
    const query = url.searchParams.get('query') ?? '';
    const service = /service="([^"]+)"/.exec(query)?.[1] ?? '';
    const time = Date.now() / 1000;
    let result: unknown[] = [];
    if (query.includes('http_request_duration_seconds_count') && this.rps.has(service)) {
      result = [{ metric: {}, value: [time, String(this.rps.get(service))] }];
    } else if (query.includes('process_cpu_seconds_total')) result = [{ metric: {}, value: [time, '0.2'] }];
    else if (query.includes('nodejs_eventloop_lag_p99_seconds')) result = [{ metric: {}, value: [time, '0.012'] }];
    else if (query.includes('mercato_bus_consume_lag_seconds')) result = [{ metric: {}, value: [time, 'NaN'] }];
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
  });
}

const listen = async (server: Server) => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

function kubeConfigFor(server: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'test', server, skipTLSVerify: true }],
    users: [{ name: 'controller', token: 'test-token' }],
    contexts: [{ name: 'test', cluster: 'test', user: 'controller', namespace: NAMESPACE }],
    currentContext: 'test',
  });
  return config;
}

// ————— the harness —————

const api = new FakeApiServer();
const prometheus = new FakePrometheus();
let apiUrl: string;
let prometheusUrl: string;
const logged: { level: string; fields: Record<string, unknown>; message: string }[] = [];
const log = {
  info: (fields: object, message: string) => logged.push({ level: 'info', fields: { ...fields }, message }),
  warn: (fields: object, message: string) => logged.push({ level: 'warn', fields: { ...fields }, message }),
};

before(async () => {
  apiUrl = await listen(api.server);
  prometheusUrl = await listen(prometheus.server);
});
after(() => {
  api.server.close();
  prometheus.server.close();
});
beforeEach(() => {
  api.hpas.clear();
  api.patches.length = 0;
  api.failWith = undefined;
  api.afterRead = undefined;
  prometheus.rps.clear();
  prometheus.answer = undefined;
  logged.length = 0;
});

const CATALOG: ControlledService = { name: 'catalog', hpa: 'catalog', capacityRps: 100, floor: 2 };

function harness(services: ControlledService[] = [CATALOG], options: { prometheus?: string } = {}) {
  let now = Date.UTC(2026, 11, 4, 9, 0, 0);
  const controller = new HpaController({
    services,
    hpas: new KubernetesHpas(kubeConfigFor(apiUrl), NAMESPACE),
    load: new PrometheusLoad({ url: options.prometheus ?? prometheusUrl, timeoutMs: 1_000 }),
    scalerFor: (limits: ScalingLimits) => new PredictiveScaler(limits, { stepMs: STEP_MS, leadMs: 60_000 }),
    log,
    now: () => now,
  });
  return {
    controller,
    /** One step of the controller, then the clock moves on by a step. */
    async step() {
      await controller.step();
      now += STEP_MS;
    },
  };
}

const perPod = CATALOG.capacityRps * 0.8; // PredictiveScaler's default target utilisation
const podsFor = (rps: number) => Math.max(CATALOG.floor, Math.ceil(rps / perPod));

describe('the HPA minReplicas controller', () => {
  test('a rising load raises minReplicas before the load arrives, with scaled_up events naming hpa.minReplicas', async () => {
    api.hpas.set('catalog', { minReplicas: 2, maxReplicas: 20, currentReplicas: 2, resourceVersion: 1 });
    const { controller, step } = harness();
    // Ten quiet minutes, then a ramp of 8 req/s per step (32 req/s a minute) to 900 req/s.
    const series: number[] = [];
    for (let i = 0; i < 40; i++) series.push(100);
    for (let rps = 108; rps <= 900; rps += 8) series.push(rps);
    let ahead = 0;
    for (const [i, rps] of series.entries()) {
      prometheus.rps.set('catalog', rps);
      await step();
      const min = api.hpas.get('catalog')?.minReplicas ?? 0;
      // Ahead: minReplicas already covers the load of a minute later, which has not come yet.
      const later = series[i + 4];
      if (later !== undefined && podsFor(rps) < podsFor(later) && min >= podsFor(later)) ahead += 1;
      assert.ok(min <= 20);
    }
    assert.ok(ahead >= 10, `minReplicas covered the next minute's load ahead of time on ${ahead} steps`);
    const final = api.hpas.get('catalog')?.minReplicas ?? 0;
    assert.ok(final >= podsFor(900), `minReplicas ${final} covers the peak (${podsFor(900)} pods)`);
    assert.ok(
      api.patches.every((p) => p.contentType === 'application/merge-patch+json' && Object.keys(p.body.spec).join() === 'minReplicas'),
    );

    const items = controller.events.after(0);
    const ups = items.filter((e) => e.kind === 'scaled_up');
    assert.ok(ups.length >= 3);
    assert.equal(items.filter((e) => e.kind === 'scaled_down').length, 0);
    for (const [i, event] of items.entries()) assert.equal(event.seq, i + 1);
    const first = ups[0];
    assert.equal(first?.service, 'catalog');
    assert.equal(first?.detail.from, 2);
    assert.equal(first?.detail.target, 'hpa.minReplicas');
    assert.match(String(first?.detail.reason), /req\/s/);
    assert.equal(controller.events.after(items.length).length, 0, 'nothing after the newest');

    const [state] = controller.scaling().services;
    assert.equal(state?.name, 'catalog');
    assert.equal(state?.max, 20);
    assert.equal(state?.min, 2);
    assert.equal(state?.desired, final);
    assert.ok((state?.forecast.length ?? 0) > 0 && state?.forecast.every((p) => p.value >= 0 && !Number.isNaN(Date.parse(p.at))));
  });

  test('minReplicas never exceeds the HPA maxReplicas; a need beyond it fires ScalingCapped once, resolved when the load falls', async () => {
    api.hpas.set('catalog', { minReplicas: 2, maxReplicas: 5, currentReplicas: 2, resourceVersion: 1 });
    const { controller, step } = harness();
    for (let i = 0; i < 10; i++) {
      prometheus.rps.set('catalog', 100);
      await step();
    }
    // 1,500 req/s needs 19 pods of 80 req/s: far beyond 5.
    for (let i = 0; i < 10; i++) {
      prometheus.rps.set('catalog', 1_500);
      await step();
      assert.ok((api.hpas.get('catalog')?.minReplicas ?? 0) <= 5);
    }
    assert.equal(api.hpas.get('catalog')?.minReplicas, 5, 'raised to maxReplicas, not beyond');
    let firing = controller.events.after(0).filter((e) => e.kind === 'alert_firing');
    assert.equal(firing.length, 1, 'fired once, not every step');
    assert.equal(firing[0]?.detail.alert, 'ScalingCapped');
    assert.ok(Number(firing[0]?.detail.needed) > 5);
    assert.equal(firing[0]?.detail.max, 5);
    // The load falls back: the forecast follows within a few steps and the alert resolves.
    for (let i = 0; i < 40; i++) {
      prometheus.rps.set('catalog', 100);
      await step();
    }
    const items = controller.events.after(0);
    firing = items.filter((e) => e.kind === 'alert_firing');
    const resolved = items.filter((e) => e.kind === 'alert_resolved');
    assert.equal(firing.length, 1);
    assert.equal(resolved.length, 1);
    assert.equal(resolved[0]?.detail.alert, 'ScalingCapped');
    assert.ok((resolved[0]?.seq ?? 0) > (firing[0]?.seq ?? 0));
    assert.ok(api.patches.every((p) => (p.body.spec.minReplicas ?? 0) <= 5));
  });

  test('a flat load never patches the HPA', async () => {
    api.hpas.set('catalog', { minReplicas: 2, maxReplicas: 10, currentReplicas: 2, resourceVersion: 1 });
    api.hpas.set('cart', { minReplicas: 3, maxReplicas: 10, currentReplicas: 4, resourceVersion: 7 });
    const cart: ControlledService = { name: 'cart', hpa: 'cart', capacityRps: 100, floor: 3 };
    const { controller, step } = harness([CATALOG, cart]);
    for (let i = 0; i < 60; i++) {
      prometheus.rps.set('catalog', 120); // 2 pods of 80 req/s
      prometheus.rps.set('cart', 200); // 3 pods
      await step();
    }
    assert.equal(api.patches.length, 0);
    assert.equal(controller.events.after(0).length, 0);
    assert.deepEqual(
      controller.scaling().services.map((s) => [s.name, s.desired, s.instances]),
      [
        ['catalog', 2, 2],
        ['cart', 3, 4],
      ],
    );
  });

  test('after a peak minReplicas comes down to the floor, never below it', async () => {
    api.hpas.set('catalog', { minReplicas: 2, maxReplicas: 20, currentReplicas: 2, resourceVersion: 1 });
    const { controller, step } = harness();
    for (let i = 0; i < 8; i++) {
      prometheus.rps.set('catalog', 800);
      await step();
    }
    assert.ok((api.hpas.get('catalog')?.minReplicas ?? 0) >= 10);
    // Quiet for an hour: the scaler holds for its stabilisation window, then steps down.
    for (let i = 0; i < 240; i++) {
      prometheus.rps.set('catalog', 10);
      await step();
      assert.ok((api.hpas.get('catalog')?.minReplicas ?? 0) >= CATALOG.floor);
    }
    assert.equal(api.hpas.get('catalog')?.minReplicas, CATALOG.floor);
    const downs = controller.events.after(0).filter((e) => e.kind === 'scaled_down');
    assert.ok(downs.length >= 1);
    assert.equal(downs.at(-1)?.detail.to, CATALOG.floor);
  });

  test('a Prometheus that answers garbage changes nothing and the controller keeps stepping', async () => {
    api.hpas.set('catalog', { minReplicas: 4, maxReplicas: 10, currentReplicas: 4, resourceVersion: 1 });
    const { controller, step } = harness();
    const garbage = [
      { status: 200, body: '<html>Grafana login</html>' },
      { status: 200, body: '{"status":"error","errorType":"bad_data","error":"parse error"}' },
      { status: 200, body: '{"status":"success","data":{"resultType":"matrix","result":[]}}' },
      { status: 200, body: '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"-5"]}]}}' },
      { status: 200, body: '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"+Inf"]}]}}' },
      { status: 200, body: '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,7]}]}}' },
      { status: 200, body: '{"status":"success","data":{"resultType":"vector","result":[{"value":[1,"1"]},{"value":[1,"2"]}]}}' },
      { status: 200, body: '{"status":"success","data":{"resultType":"vector","result":[]}}' },
      { status: 200, body: 'null' },
      { status: 503, body: '{"status":"error","error":"overloaded"}' },
      { status: 200, body: JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [], pad: 'x'.repeat(300_000) } }) },
    ];
    for (const answer of garbage) {
      prometheus.answer = answer;
      await step();
    }
    assert.equal(api.patches.length, 0);
    assert.equal(controller.events.after(0).length, 0);
    assert.equal(logged.filter((l) => l.message.startsWith('no load reading')).length, garbage.length);
    // Once Prometheus answers again, the controller acts on the readings.
    prometheus.answer = undefined;
    prometheus.rps.set('catalog', 2_000);
    await step();
    assert.ok((api.hpas.get('catalog')?.minReplicas ?? 0) > 4);
  });

  test('a Prometheus that is down changes nothing and does not crash the controller', async () => {
    api.hpas.set('catalog', { minReplicas: 3, maxReplicas: 10, currentReplicas: 3, resourceVersion: 1 });
    // A port nothing listens on: a server started and closed.
    const gone = createServer();
    const goneUrl = await listen(gone);
    gone.close();
    await once(gone, 'close');
    const { controller, step } = harness([CATALOG], { prometheus: goneUrl });
    for (let i = 0; i < 5; i++) await step();
    assert.equal(api.patches.length, 0);
    assert.equal(controller.events.after(0).length, 0);
    assert.match(String(logged.find((l) => l.level === 'warn')?.fields.reason), /PROMETHEUS_URL/);
    assert.equal(controller.scaling().services[0]?.reason, 'no load reading yet');
  });

  test('an API server that fails, or an HPA changed in between (409), is retried next step without events', async () => {
    api.hpas.set('catalog', { minReplicas: 2, maxReplicas: 10, currentReplicas: 2, resourceVersion: 1 });
    const { controller, step } = harness();
    prometheus.rps.set('catalog', 600);
    api.failWith = 500;
    await step();
    assert.equal(api.hpas.get('catalog')?.minReplicas, 2);
    api.failWith = undefined;
    // Someone changes the HPA between the controller's read and its patch: the patch must not win.
    const original = api.hpas.get('catalog') as FakeHpa;
    api.afterRead = (hpa) => {
      hpa.resourceVersion += 1;
    };
    await step();
    assert.equal(api.patches.at(-1)?.body.metadata?.resourceVersion, '1');
    assert.equal(original.minReplicas, 2, 'the conflicting patch changed nothing');
    assert.equal(controller.events.after(0).length, 0);
    assert.ok(logged.some((l) => l.message.includes('changed while deciding')));
    await step();
    assert.ok(original.minReplicas >= podsFor(600));
    assert.equal(controller.events.after(0).filter((e) => e.kind === 'scaled_up').length, 1);
  });

  test('an operator lowering maxReplicas is followed: minReplicas comes down with it, the scaler keeps its readings', async () => {
    api.hpas.set('catalog', { minReplicas: 2, maxReplicas: 20, currentReplicas: 2, resourceVersion: 1 });
    const { step } = harness();
    for (let i = 0; i < 6; i++) {
      prometheus.rps.set('catalog', 1_000);
      await step();
    }
    assert.equal(api.hpas.get('catalog')?.minReplicas, podsFor(1_000));
    const hpa = api.hpas.get('catalog') as FakeHpa;
    // `kubectl patch hpa catalog -p '{"spec":{"minReplicas":6,"maxReplicas":6}}'`
    Object.assign(hpa, { minReplicas: 6, maxReplicas: 6, resourceVersion: hpa.resourceVersion + 1 });
    await step();
    assert.equal(hpa.minReplicas, 6);
    assert.ok(logged.some((l) => l.message.includes('scaler rebuilt')));
  });
});
