import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Instance } from '@mercato/contracts';
import { createLogger, type Discovery, type ServiceTokens } from '@mercato/kit';
import { MIN_REQUESTS_PER_STEP, quantileMs, stepReadings } from '../src/domain/anomaly-series.ts';
import { sampleFromMetricsText } from '../src/domain/ops-metrics.ts';
import { OpsEvents } from '../src/ops-events.ts';
import { OpsMetrics } from '../src/ops-metrics.ts';

/** What an instance has counted so far, as its /metrics would show it. */
interface Counters {
  /** Requests answered within 10 ms, within 250 ms, and of those within 250 ms how many were 500s. */
  fast: number;
  slow: number;
  failed: number;
  eventLoopP99Seconds: number;
  lagSumSeconds: number;
  deliveries: number;
}

/** An instance's /metrics in the shapes prom-client writes (the kit's histogram, the default event-loop gauges, the bus lag histogram). */
function metricsText(c: Counters): string {
  const h = 'http_request_duration_seconds';
  const ok = 'route="/api/products",method="GET",status="200"';
  const ko = 'route="/api/products",method="GET",status="500"';
  return [
    `# TYPE ${h} histogram`,
    `${h}_bucket{le="0.01",${ok}} ${c.fast}`,
    `${h}_bucket{le="0.25",${ok}} ${c.fast + c.slow - c.failed}`,
    `${h}_bucket{le="+Inf",${ok}} ${c.fast + c.slow - c.failed}`,
    `${h}_count{${ok}} ${c.fast + c.slow - c.failed}`,
    `${h}_bucket{le="0.01",${ko}} 0`,
    `${h}_bucket{le="0.25",${ko}} ${c.failed}`,
    `${h}_bucket{le="+Inf",${ko}} ${c.failed}`,
    `${h}_count{${ko}} ${c.failed}`,
    `${h}_count{route="/health/live",method="GET",status="200"} ${c.fast * 3}`,
    '# TYPE nodejs_eventloop_lag_p99_seconds gauge',
    `nodejs_eventloop_lag_p99_seconds ${c.eventLoopP99Seconds}`,
    '# TYPE mercato_bus_consume_lag_seconds histogram',
    `mercato_bus_consume_lag_seconds_bucket{le="+Inf",consumer="catalog",type="inventory.stock.changed.v1"} ${c.deliveries}`,
    `mercato_bus_consume_lag_seconds_sum{consumer="catalog",type="inventory.stock.changed.v1"} ${c.lagSumSeconds}`,
    `mercato_bus_consume_lag_seconds_count{consumer="catalog",type="inventory.stock.changed.v1"} ${c.deliveries}`,
  ].join('\n');
}

const fresh = (): Counters => ({ fast: 0, slow: 0, failed: 0, eventLoopP99Seconds: 0.011, lagSumSeconds: 0, deliveries: 0 });
const counters = new Map<string, Counters>([
  ['catalog-1', fresh()],
  ['cart-1', fresh()],
]);
const server = createServer((request, response) => {
  const id = /^\/([\w-]+)\/metrics$/.exec(request.url ?? '')?.[1] ?? '';
  const c = counters.get(id);
  if (!c) return void response.writeHead(404).end();
  response.writeHead(200, { 'content-type': 'text/plain' }).end(metricsText(c));
});
let base = '';
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("the gateway's anomaly detection", () => {
  it('a step in one service’s latency, fed round by round, raises exactly one anomaly event; a service without traffic raises none', async () => {
    let now = 1_000_000;
    const instance = (service: string): Instance =>
      ({ id: `${service}-1`, service, url: `${base}/${service}-1`, status: 'up', startedAt: '' }) as Instance;
    const live = new Map<string, Instance[]>([
      ['catalog', [instance('catalog')]],
      ['cart', [instance('cart')]],
    ]);
    const discovery: Discovery = {
      instances: (service) => live.get(service) ?? [],
      pick: (service) => live.get(service)?.[0],
      snapshot: () => live,
      close: () => undefined,
    };
    // The scrape needs an ops token; the stub /metrics does not check it.
    const tokens = { tokenFor: async () => 'ops-token' } as unknown as ServiceTokens;
    const events = new OpsEvents({ now: () => now });
    const metrics = new OpsMetrics({
      discovery,
      tokens,
      log: createLogger({ service: 'gateway', instance: 'test', level: 'silent' }),
      events,
      now: () => now,
    });
    const catalog = counters.get('catalog-1') ?? assert.fail();
    const round = async (fast: number, slow: number) => {
      catalog.fast += fast;
      catalog.slow += slow;
      catalog.deliveries += 4;
      catalog.lagSumSeconds += 4 * 0.05;
      now += 5_000;
      await metrics.scrape();
    };
    // Three minutes of a steady shop: the detectors learn the level (their warm-up is 30 readings).
    for (let i = 0; i < 36; i++) await round(200 + (i % 3) * 10, 0);
    const anomaliesIn = () => events.page(1_000).items.filter((e) => e.kind === 'anomaly');
    assert.deepEqual(anomaliesIn(), [], 'a steady series raises nothing');
    // Then every request takes up to 250 ms, for a minute.
    const stepAt = now + 5_000;
    for (let i = 0; i < 12; i++) await round(0, 200);
    const anomalies = anomaliesIn();
    assert.equal(anomalies.length, 1, JSON.stringify(anomalies));
    const [anomaly] = anomalies;
    assert.equal(anomaly?.service, 'catalog');
    assert.deepEqual(Object.keys(anomaly?.detail ?? {}), ['series', 'value', 'expected', 'score', 'unit', 'baseline']);
    assert.equal(anomaly?.detail.baseline, 'fast');
    assert.equal(anomaly?.detail.series, 'latency_p99');
    assert.equal(anomaly?.detail.unit, 'ms');
    // The step's own p99 (interpolated in the 10–250 ms bucket), not the five minutes' mix of fast and slow.
    assert.ok(Number(anomaly?.detail.value) > 200, `value ${anomaly?.detail.value}`);
    assert.ok(Number(anomaly?.detail.expected) < 20, `expected ${anomaly?.detail.expected}`);
    assert.ok(Number(anomaly?.detail.score) > 4, `score ${anomaly?.detail.score}`);
    // Raised within the detector's confirmation (three readings), long before LatencyOverSlo's 5-minute window would.
    assert.ok(Date.parse(anomaly?.at ?? '') <= stepAt + 3 * 5_000, `at ${anomaly?.at}`);
  });
});

describe('what one ops round reads for the detectors', () => {
  const at = (t: number, c: Partial<Counters>) => sampleFromMetricsText(metricsText({ ...fresh(), ...c }), t);

  it('latency and error rate come from the requests of the step alone, and only when the step had traffic', () => {
    // An hour of fast requests, then a step with 20 slow ones of which 2 failed.
    const older = at(0, { fast: 100_000 });
    const newer = at(5_000, { fast: 100_000, slow: 20, failed: 2, eventLoopP99Seconds: 0.045 });
    const readings = stepReadings([{ older, newer }]);
    assert.ok((readings.latency_p99 ?? 0) > 200, `p99 ${readings.latency_p99}`);
    assert.equal(readings.error_rate, 0.1);
    assert.equal(readings.event_loop_delay_p99, 45);
    const idle = stepReadings([{ older: newer, newer: at(10_000, { fast: 100_000 + MIN_REQUESTS_PER_STEP - 1, slow: 20, failed: 2 }) }]);
    assert.equal(idle.latency_p99, undefined, 'too few requests in the step');
    assert.equal(idle.error_rate, undefined);
    assert.equal(idle.event_loop_delay_p99, 11, 'the event loop is read whatever the traffic');
  });

  it('consumer lag is the mean lag of the step’s deliveries; a step without deliveries has no reading; a restart counts afresh', () => {
    const older = at(0, { deliveries: 1_000, lagSumSeconds: 50 });
    assert.equal(stepReadings([{ older, newer: at(5_000, { deliveries: 1_010, lagSumSeconds: 80 }) }]).consumer_lag, 3);
    assert.equal(stepReadings([{ older, newer: at(5_000, { deliveries: 1_000, lagSumSeconds: 50 }) }]).consumer_lag, undefined);
    assert.equal(stepReadings([{ older, newer: at(5_000, { deliveries: 4, lagSumSeconds: 2 }) }]).consumer_lag, 0.5);
  });

  it('the p99 is interpolated within its bucket, as histogram_quantile does', () => {
    const buckets = new Map([
      [0.01, 50],
      [0.1, 100],
      [Number.POSITIVE_INFINITY, 100],
    ]);
    assert.ok(Math.abs(quantileMs(buckets, 0.99) - 98.2) < 1e-9);
    assert.equal(quantileMs(new Map([[Number.POSITIVE_INFINITY, 0]]), 0.99), 0);
    assert.equal(
      quantileMs(
        new Map([
          [0.5, 0],
          [Number.POSITIVE_INFINITY, 10],
        ]),
        0.99,
      ),
      500,
      'in +Inf: the highest finite bound',
    );
  });
});
