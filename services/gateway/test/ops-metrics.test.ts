import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { businessFigures, errorShare, p99Ms, sampleFromMetricsText, serviceFigures } from '../src/domain/ops-metrics.ts';

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

/** An orders, payments or inventory instance's business series (as prom-client writes them, default labels and all). */
function businessText(counts: {
  placed?: number;
  confirmed?: number;
  cancelled?: Record<string, number>;
  revenue?: Record<string, number>;
  declines?: Record<string, number>;
  failures?: number;
  /** Replies per step: how many answered within 10 ms, and how many took up to 1 s. */
  steps?: Record<string, [fast: number, slow: number]>;
  sagaAge?: number;
  outboxAge?: number;
}): string {
  const l = 'service="orders",instance="orders-1"';
  const lines = [
    '# HELP mercato_orders_placed_total Orders placed',
    '# TYPE mercato_orders_placed_total counter',
    `mercato_orders_placed_total{${l}} ${counts.placed ?? 0}`,
    `mercato_orders_confirmed_total{${l}} ${counts.confirmed ?? 0}`,
    ...Object.entries(counts.cancelled ?? {}).map(([reason, n]) => `mercato_orders_cancelled_total{reason="${reason}",${l}} ${n}`),
    ...Object.entries(counts.revenue ?? {}).map(
      ([currency, n]) => `mercato_revenue_confirmed_minor_units_total{currency="${currency}",${l}} ${n}`,
    ),
    ...Object.entries(counts.declines ?? {}).map(([reason, n]) => `mercato_payment_declines_total{reason="${reason}",${l}} ${n}`),
    `mercato_inventory_reservation_failures_total{reason="out_of_stock",${l}} ${counts.failures ?? 0}`,
    ...Object.entries(counts.steps ?? {}).flatMap(([step, [fast, slow]]) => [
      `mercato_saga_step_duration_seconds_bucket{le="0.01",step="${step}",${l}} ${fast}`,
      `mercato_saga_step_duration_seconds_bucket{le="1",step="${step}",${l}} ${fast + slow}`,
      `mercato_saga_step_duration_seconds_bucket{le="+Inf",step="${step}",${l}} ${fast + slow}`,
      `mercato_saga_step_duration_seconds_sum{step="${step}",${l}} 1.5`,
      `mercato_saga_step_duration_seconds_count{step="${step}",${l}} ${fast + slow}`,
    ]),
    ...(counts.sagaAge === undefined ? [] : [`mercato_saga_oldest_step_age_seconds{${l}} ${counts.sagaAge}`]),
    ...(counts.outboxAge === undefined ? [] : [`mercato_outbox_oldest_age_seconds{${l}} ${counts.outboxAge}`]),
  ];
  return lines.join('\n');
}

describe('ops metrics, the business of the last minute', () => {
  it('reads the business counters, the step histograms and the saga and outbox ages', () => {
    const sample = sampleFromMetricsText(
      businessText({
        placed: 7,
        confirmed: 5,
        cancelled: { out_of_stock: 1, payment_declined: 1 },
        revenue: { USD: 12_345 },
        declines: { declined: 1, insufficient_funds: 2 },
        failures: 4,
        steps: { reserve: [6, 1] },
        sagaAge: 12.5,
        outboxAge: 0.25,
      }),
      0,
    );
    assert.equal(sample.ordersPlaced, 7);
    assert.equal(sample.ordersConfirmed, 5);
    assert.deepEqual(
      [...sample.ordersCancelled],
      [
        ['out_of_stock', 1],
        ['payment_declined', 1],
      ],
    );
    assert.deepEqual([...sample.revenueConfirmed], [['USD', 12_345]]);
    assert.equal(sample.paymentDeclines, 3);
    assert.equal(sample.reservationFailures, 4);
    assert.deepEqual(
      [...(sample.sagaSteps.get('reserve') ?? [])],
      [
        [0.01, 6],
        [1, 7],
        [Number.POSITIVE_INFINITY, 7],
      ],
    );
    assert.equal(sample.sagaOldestStepAgeSeconds, 12.5);
    assert.equal(sample.outboxOldestAgeSeconds, 0.25);
    assert.equal(sample.requests, 0, 'no HTTP request is read from business series');
  });

  it('counts what every instance counted within the last minute: deltas summed, p99 per step from the replies in the window', () => {
    const orders1 = [
      sampleFromMetricsText(businessText({ placed: 100, confirmed: 90, cancelled: { expired: 10 }, revenue: { USD: 9_000 } }), 0),
      sampleFromMetricsText(
        businessText({
          placed: 103,
          confirmed: 92,
          cancelled: { expired: 10, out_of_stock: 1 },
          revenue: { USD: 9_500 },
          steps: { capture: [99, 1], reserve: [10, 0] },
        }),
        30_000,
      ),
    ];
    const orders2 = [
      sampleFromMetricsText(businessText({ placed: 5, revenue: { EUR: 100 }, declines: { declined: 2 }, failures: 1 }), 0),
      sampleFromMetricsText(businessText({ placed: 6, revenue: { EUR: 300 }, declines: { declined: 3 }, failures: 3 }), 30_000),
    ];
    // Older than the minute: left out.
    const stale = [
      sampleFromMetricsText(businessText({ placed: 0 }), -120_000),
      sampleFromMetricsText(businessText({ placed: 50 }), -90_000),
    ];
    assert.deepEqual(businessFigures([orders1, orders2, stale], 60_000, 40_000), {
      windowSeconds: 60,
      ordersPlaced: 4,
      ordersConfirmed: 2,
      ordersCancelled: { expired: 0, out_of_stock: 1 },
      revenueConfirmed: [
        { amount: 200, currency: 'EUR' },
        { amount: 500, currency: 'USD' },
      ],
      paymentDeclines: 1,
      reservationFailures: 2,
      sagaStepP99Ms: { capture: 10, reserve: 10 },
    });
  });

  it('a restarted process (its counters back to zero) counts what it counted since, never a negative', () => {
    const restarted = [
      sampleFromMetricsText(businessText({ placed: 500, confirmed: 400, steps: { reserve: [500, 0] } }), 0),
      sampleFromMetricsText(businessText({ placed: 3, confirmed: 2, steps: { reserve: [2, 1] } }), 10_000),
    ];
    const figures = businessFigures([restarted], 60_000, 10_000);
    assert.equal(figures.ordersPlaced, 3);
    assert.equal(figures.ordersConfirmed, 2);
    assert.deepEqual(figures.sagaStepP99Ms, { reserve: 1000 });
  });

  it('no samples, or one per instance: zeros and no step', () => {
    const one = [[sampleFromMetricsText(businessText({ placed: 9 }), 0)]];
    assert.deepEqual(businessFigures(one, 60_000, 1), {
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

  it("a window's 5xx share sums every instance; undefined without traffic", () => {
    const a = [
      { at: 0, requests: 0, errors: 0 },
      { at: 50_000, requests: 900, errors: 9 },
    ];
    const b = [
      { at: 0, requests: 0, errors: 0 },
      { at: 50_000, requests: 100, errors: 11 },
    ];
    assert.deepEqual(errorShare([a, b], 60_000, 50_000), { requests: 1000, errors: 20, ratio: 0.02 });
    assert.equal(errorShare([a], 60_000, 200_000).ratio, undefined, 'nothing in the window');
  });
});
