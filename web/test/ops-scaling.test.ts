import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OpsScaling, ServiceScaling } from '../src/lib/types.ts';
import { eventSentence, KNOWN_EVENT_KINDS } from '../src/pages/ops/ops-words.ts';
import {
  appendScaling,
  EMPTY_SCALING_HISTORY,
  SCALING_HISTORY_POINTS,
  scalingChartData,
  scalingSummary,
} from '../src/pages/ops/scaling-history.ts';

// The scaling page's pure parts: its history of polls, the forecast laid after it, and platform events in words.

const T0 = Date.parse('2026-12-10T10:00:00.000Z') / 1000;

function service(name: string, instances: number, desired = instances, forecast: [number, number][] = []): ServiceScaling {
  return {
    name,
    instances,
    desired,
    min: 1,
    max: 4,
    forecast: forecast.map(([at, value]) => ({ at: new Date(at * 1000).toISOString(), value })),
    reason: desired === instances ? 'autoscaling off' : `forecast needs ${desired}`,
    decidedAt: new Date(T0 * 1000).toISOString(),
  };
}
const scaling = (...services: ServiceScaling[]): OpsScaling => ({ autoscaling: true, services });
const metrics = (rps: Record<string, number>) => ({
  services: Object.entries(rps).map(([name, r]) => ({ name, instances: 1, rps: r, p99Ms: 1, errorRate: 0 })),
});

describe('the scaling page’s history of its polls', () => {
  it('keeps instances, desired and the requests per second seen per service, a service that comes later gapped before', () => {
    let history = appendScaling(EMPTY_SCALING_HISTORY, T0, scaling(service('catalog', 1)), metrics({ catalog: 3 }));
    history = appendScaling(history, T0 + 5, scaling(service('catalog', 1, 2), service('orders', 2)), metrics({ catalog: 7 }));
    assert.deepEqual(history.times, [T0, T0 + 5]);
    assert.deepEqual(history.services.catalog, { instances: [1, 1], desired: [1, 2], rps: [3, 7] });
    assert.deepEqual(history.services.orders, { instances: [null, 2], desired: [null, 2], rps: [null, null] });
  });

  it('keeps the last SCALING_HISTORY_POINTS polls, every track as long as the times', () => {
    let history = EMPTY_SCALING_HISTORY;
    for (let i = 0; i < SCALING_HISTORY_POINTS + 7; i++)
      history = appendScaling(history, T0 + i * 5, scaling(service('cart', 1 + (i % 3))));
    assert.equal(history.times.length, SCALING_HISTORY_POINTS);
    assert.equal(history.times[0], T0 + 35);
    for (const track of Object.values(history.services))
      for (const values of Object.values(track)) assert.equal(values.length, SCALING_HISTORY_POINTS);
  });

  it('lays the forecast after the last poll, continuing from the load seen then, and drops forecast points already past', () => {
    let history = appendScaling(EMPTY_SCALING_HISTORY, T0, scaling(service('catalog', 1)), metrics({ catalog: 10 }));
    history = appendScaling(history, T0 + 5, scaling(service('catalog', 1)), metrics({ catalog: 12 }));
    const now = service('catalog', 1, 2, [
      [T0 + 5, 11],
      [T0 + 15, 20],
      [T0 + 10, 15],
    ]);
    const data = scalingChartData(history, now);
    assert.deepEqual(data.times, [T0, T0 + 5, T0 + 10, T0 + 15]);
    assert.deepEqual(data.instances, [1, 1, null, null]);
    assert.deepEqual(data.rps, [10, 12, null, null]);
    assert.deepEqual(data.forecast, [null, 12, 15, 20]);
    assert.equal(data.now, T0 + 5);
  });

  it('with autoscaling off there is no forecast: the chart is the history alone', () => {
    const history = appendScaling(EMPTY_SCALING_HISTORY, T0, scaling(service('cart', 1)));
    const data = scalingChartData(history, service('cart', 1));
    assert.deepEqual(data.times, [T0]);
    assert.deepEqual(data.forecast, [null]);
  });

  it('says in a sentence what the chart shows', () => {
    let history = appendScaling(EMPTY_SCALING_HISTORY, T0, scaling(service('catalog', 1)));
    history = appendScaling(history, T0 + 5, scaling(service('catalog', 2)));
    const summary = scalingSummary(
      service('catalog', 2, 3, [
        [T0 + 10, 200],
        [T0 + 60, 412],
      ]),
      history,
    );
    assert.match(
      summary,
      /^catalog: 2 instances now, 3 desired \(1–4\); between 1 and 2 while this page was open; forecast peaks at 412 req\/s at /,
    );
    assert.match(
      scalingSummary(
        service('cart', 1, 1, [
          [T0 + 5, 3],
          [T0 + 305, 3.2],
        ]),
        history,
      ),
      /forecast steady near 3\.1 req\/s for the next 5 min\.$/,
    );
    assert.match(
      scalingSummary(service('cart', 1), appendScaling(EMPTY_SCALING_HISTORY, T0, scaling(service('cart', 1)))),
      /no forecast\.$/,
    );
  });
});

describe('platform events in sentences', () => {
  const say = (kind: string, service: string, detail: unknown) => eventSentence({ kind, service, detail });

  it('says a restart: which instance, why, its attempt and the wait before it', () => {
    assert.equal(
      say('restarted', 'catalog', { instance: 2, reason: 'crashed', exitCode: 1, attempt: 2, backoffMs: 0 }),
      'catalog#2 restarted after it crashed (exit 1), attempt 2',
    );
    assert.equal(
      say('restarted', 'cart', { instance: 'cart', cause: 'crashed', exitCode: null, signal: 'SIGKILL', attempt: 1, backoffMs: 0 }),
      'cart restarted after it crashed (SIGKILL), attempt 1',
    );
    assert.equal(
      say('restarted', 'orders', { instance: 'orders-1', reason: 'unready', attempt: 1, backoffMs: 1500 }),
      'orders#1 restarted after it stopped answering its readiness check, attempt 1, after waiting 1.5 s',
    );
  });

  it('says a crash loop, a scaling step, an anomaly and a replay in words', () => {
    assert.equal(
      say('crash_loop', 'orders', { restarts: 5, windowSeconds: 120 }),
      'orders in a crash loop: 5 restarts in 120 s — restarts stopped',
    );
    assert.equal(
      say('scaled_up', 'catalog', { from: 1, to: 2, reason: 'forecast 412 req/s in 60 s needs 2 × 250 req/s' }),
      'catalog scaled 1 → 2: forecast 412 req/s in 60 s needs 2 × 250 req/s',
    );
    assert.equal(say('scaled_down', 'catalog', { from: 3, to: 2, reason: 'load fell' }), 'catalog scaled 3 → 2: load fell');
    assert.equal(
      say('anomaly', 'payments', { series: 'p99Ms', value: 480, expected: 40, score: 12.34, unit: 'ms' }),
      'Anomaly in payments latency p99: 480 ms (expected 40 ms, score 12.3)',
    );
    assert.equal(
      say('anomaly', 'orders', { series: 'error_rate', value: 0.12, expected: 0.001, score: 9, unit: 'ratio' }),
      'Anomaly in orders error rate: 12% (expected 0.1%, score 9)',
    );
    assert.equal(
      say('anomaly', 'catalog', { series: 'latency_p99', value: 61, expected: 42, score: 7, unit: 'ms', baseline: 'slow' }),
      'Anomaly in catalog latency p99: 61 ms (drifted up from 42 ms, score 7)',
    );
    assert.equal(
      say('replayed', 'payments', { id: '0193a0b1-aaaa-7bbb-8ccc-1234567890ab', type: 'orders.order.placed.v1', reason: 'by an operator' }),
      'orders.order.placed.v1 (567890ab) replayed to payments: by an operator',
    );
    assert.equal(
      say('replayed', 'payments', {
        id: 'x-1234',
        type: 'orders.order.placed.v1',
        outcome: 'failed (503)',
        reason: 'downstream healthy again',
      }),
      'orders.order.placed.v1 (x-1234) replayed to payments: downstream healthy again — failed (503)',
    );
  });

  it('says an alert by its name and summary, and falls back to name: value pairs for a detail it cannot read', () => {
    assert.equal(
      say('alert_firing', 'orders', { alert: 'HighErrorRate', severity: 'critical', summary: 'orders answered 12% with a 5xx' }),
      'HighErrorRate firing (critical): orders answered 12% with a 5xx',
    );
    assert.equal(
      say('alert_resolved', 'orders', { alert: 'HighErrorRate', severity: 'critical', summary: 'back under 1%' }),
      'HighErrorRate resolved: back under 1%',
    );
    assert.equal(say('disk_full', 'cart', { free: 0 }), 'free: 0');
    assert.equal(say('restarted', 'cart', {}), 'cart restarted');
  });

  it('the filter offers every kind API.md lists', () => {
    assert.deepEqual([...KNOWN_EVENT_KINDS].sort(), [
      'alert_firing',
      'alert_resolved',
      'anomaly',
      'crash_loop',
      'replayed',
      'restarted',
      'scaled_down',
      'scaled_up',
    ]);
  });
});
