import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { p99Ms, sampleFromMetricsText, serviceFigures } from '../src/domain/ops-metrics.ts';

/** An instance's /metrics after `fast` requests at 10 ms, `slow` at 1 s (of which `failed` answered 500), and probes. */
function metricsText(fast: number, slow: number, failed = 0): string {
  const h = 'http_request_duration_seconds';
  const lines = [
    `# HELP ${h} HTTP request duration in seconds`,
    `# TYPE ${h} histogram`,
    `${h}_bucket{le="0.01",route="/api/products",method="GET",status="200",service="catalog"} ${fast}`,
    `${h}_bucket{le="1",route="/api/products",method="GET",status="200",service="catalog"} ${fast + slow - failed}`,
    `${h}_bucket{le="+Inf",route="/api/products",method="GET",status="200",service="catalog"} ${fast + slow - failed}`,
    `${h}_count{route="/api/products",method="GET",status="200",service="catalog"} ${fast + slow - failed}`,
    `${h}_bucket{le="0.01",route="/api/products",method="GET",status="500",service="catalog"} 0`,
    `${h}_bucket{le="1",route="/api/products",method="GET",status="500",service="catalog"} ${failed}`,
    `${h}_bucket{le="+Inf",route="/api/products",method="GET",status="500",service="catalog"} ${failed}`,
    `${h}_count{route="/api/products",method="GET",status="500",service="catalog"} ${failed}`,
    `${h}_count{route="/health/live",method="GET",status="200",service="catalog"} 999`,
    'mercato_outbox_backlog{service="catalog"} 3',
    'mercato_dead_letters_open{consumer="catalog"} 2',
  ];
  return lines.join('\n');
}

describe('ops metrics, the last minute per service', () => {
  it('reads requests, 5xx, the histogram and the bus gauges, leaving health probes out', () => {
    const sample = sampleFromMetricsText(metricsText(90, 10, 4), 0);
    assert.equal(sample.requests, 100);
    assert.equal(sample.errors, 4);
    assert.equal(sample.buckets.get(0.01), 90);
    assert.equal(sample.outboxBacklog, 3);
    assert.equal(sample.deadLetters, 2);
  });

  it('req/s, p99 and error rate come from the change between the oldest and the newest sample of each instance', () => {
    const a = [sampleFromMetricsText(metricsText(0, 0), 0), sampleFromMetricsText(metricsText(980, 20, 10), 10_000)];
    const b = [sampleFromMetricsText(metricsText(0, 0), 0), sampleFromMetricsText(metricsText(1000, 0), 10_000)];
    const figures = serviceFigures('catalog', [a, b], 60_000, 10_000);
    assert.deepEqual(figures, { name: 'catalog', instances: 2, rps: 200, p99Ms: 10, errorRate: 0.005 });
    const slow = serviceFigures('catalog', [a], 60_000, 10_000);
    assert.equal(slow.p99Ms, 1000, '2% of requests took a second');
  });

  it('a restarted instance (counters back to zero) counts its new figures, never negative ones', () => {
    const samples = [sampleFromMetricsText(metricsText(5000, 0), 0), sampleFromMetricsText(metricsText(100, 0), 10_000)];
    assert.equal(serviceFigures('catalog', [samples], 60_000, 10_000).rps, 10);
  });

  it('no traffic, or a single sample: zeros, not NaN', () => {
    assert.deepEqual(serviceFigures('cart', [[sampleFromMetricsText('', 0)]], 60_000, 1), {
      name: 'cart',
      instances: 1,
      rps: 0,
      p99Ms: 0,
      errorRate: 0,
    });
    assert.equal(p99Ms(new Map(), 0), 0);
  });
});
