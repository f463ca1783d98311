import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OpsMetrics, ServiceMap, Span } from '../src/lib/types.ts';
import { edgeLabel, layOutServiceMap } from '../src/pages/ops/map-layout.ts';
import { appendSample, EMPTY_HISTORY, HISTORY_POINTS, sampleOf, seriesUnder } from '../src/pages/ops/metrics-history.ts';
import { detailText, eventKindText } from '../src/pages/ops/ops-words.ts';
import { axisTicks, formatMs, layOutTrace } from '../src/pages/ops/trace-tree.ts';

// The ops console's pure parts: how a trace becomes waterfall rows, where the service map puts things, and the charts' history.

const T0 = Date.parse('2026-12-10T10:00:00.000Z');

function span(spanId: string, parentSpanId: string | null, startMs: number, durationMs: number, service = 'orders'): Span {
  return {
    spanId,
    parentSpanId,
    service,
    instance: `${service}-1`,
    name: `${service} ${spanId}`,
    kind: 'internal',
    startedAt: new Date(T0 + startMs).toISOString(),
    durationMs,
    status: 'ok',
    attributes: {},
  };
}

describe('a trace laid out as a waterfall', () => {
  it('puts each span under its parent, depth first, siblings by start, on an axis from the first start to the last end', () => {
    const layout = layOutTrace([span('b', 'a', 5, 10), span('a', null, 0, 40), span('d', 'a', 20, 15), span('c', 'b', 6, 2)]);
    assert.deepEqual(
      layout.rows.map((r) => [r.span.spanId, r.depth, r.offsetMs]),
      [
        ['a', 0, 0],
        ['b', 1, 5],
        ['c', 2, 6],
        ['d', 1, 20],
      ],
    );
    assert.equal(layout.totalMs, 40);
  });

  it('shows a span whose parent was not kept as a root, in start order with the other roots', () => {
    const layout = layOutTrace([span('late', null, 30, 1), span('orphan', 'gone', 10, 5), span('child', 'orphan', 11, 1)]);
    assert.deepEqual(
      layout.rows.map((r) => [r.span.spanId, r.depth]),
      [
        ['orphan', 0],
        ['child', 1],
        ['late', 0],
      ],
    );
  });

  it('still shows every span once when parents loop (a malformed trace)', () => {
    const layout = layOutTrace([span('x', 'y', 0, 1), span('y', 'x', 1, 1), span('self', 'self', 2, 1)]);
    assert.deepEqual(layout.rows.map((r) => r.span.spanId).sort(), ['self', 'x', 'y']);
  });

  it('has a time axis of round marks, 3 to 8 intervals from 0, covering the trace', () => {
    for (const total of [1, 3, 7.5, 12, 48, 99, 100, 101, 250, 999, 1234, 86_000]) {
      const ticks = axisTicks(total);
      assert.equal(ticks[0], 0);
      assert.ok(ticks.length >= 4 && ticks.length <= 9, `${total}: ${ticks.join(',')}`);
      assert.ok((ticks.at(-1) ?? 0) <= total && (ticks.at(-1) ?? 0) > total * 0.6, `${total}: ${ticks.join(',')}`);
    }
    assert.deepEqual(axisTicks(100), [0, 20, 40, 60, 80, 100]);
  });

  it('writes durations with the precision a reader needs', () => {
    assert.deepEqual([0.42, 4.2, 42, 420, 4200, 42_000].map(formatMs), ['0.42 ms', '4.20 ms', '42.0 ms', '420 ms', '4.20 s', '42.0 s']);
  });
});

const EDGE = { calls: 10, perSecond: 1, errors: 0, errorRate: 0 };

describe('the service map', () => {
  const map: ServiceMap = {
    since: '2026-12-10T10:00:00Z',
    until: '2026-12-10T10:05:00Z',
    nodes: ['recommendations', 'payments', 'orders', 'gateway', 'inventory', 'cart', 'catalog', 'identity'].map((name) => ({ name })),
    edges: [
      { from: 'gateway', to: 'orders', via: 'http', ...EDGE },
      { from: 'orders', to: 'inventory', via: 'bus', ...EDGE },
      { from: 'inventory', to: 'orders', via: 'bus', ...EDGE },
      { from: 'orders', to: 'payments', via: 'bus', ...EDGE },
      { from: 'orders', to: 'recommendations', via: 'bus', ...EDGE },
    ],
  };

  it('reads the checkout path left to right: gateway, the services it calls, inventory and payments, recommendations', () => {
    const layout = layOutServiceMap(map);
    const columns = new Map<number, string[]>();
    for (const node of layout.nodes) columns.set(node.column, [...(columns.get(node.column) ?? []), node.name]);
    assert.deepEqual(
      [...columns.entries()].sort(([a], [b]) => a - b).map(([, names]) => names),
      [['gateway'], ['identity', 'catalog', 'cart', 'orders'], ['inventory', 'payments'], ['recommendations']],
    );
    const x = (name: string) => layout.nodes.find((n) => n.name === name)?.x ?? -1;
    assert.ok(x('gateway') < x('orders') && x('orders') < x('payments') && x('payments') < x('recommendations'));
  });

  it('lays the same map out the same way whatever order the API lists it in', () => {
    const shuffled = { ...map, nodes: [...map.nodes].reverse(), edges: [...map.edges].reverse() };
    const key = (l: ReturnType<typeof layOutServiceMap>) =>
      JSON.stringify([l.nodes.sort((a, b) => a.name.localeCompare(b.name)), l.width, l.height]);
    assert.equal(key(layOutServiceMap(shuffled)), key(layOutServiceMap(map)));
  });

  it('draws a request and its reply between the same two services apart, labels included', () => {
    const layout = layOutServiceMap(map);
    const there = layout.edges.find((e) => e.from === 'orders' && e.to === 'inventory');
    const back = layout.edges.find((e) => e.from === 'inventory' && e.to === 'orders');
    assert.ok(there && back);
    assert.notEqual(there.path, back.path);
    assert.ok(Math.hypot(there.labelX - back.labelX, there.labelY - back.labelY) >= 30, 'the two labels are apart');
  });

  it('labels an edge with its rate and error rate, or with its count when it is quieter than one call in ten seconds', () => {
    assert.equal(
      edgeLabel({ from: 'a', to: 'b', via: 'http', calls: 600, perSecond: 2, errors: 30, errorRate: 0.05 }),
      '2.0/s · 5% errors',
    );
    assert.equal(edgeLabel({ from: 'a', to: 'b', via: 'bus', calls: 1, perSecond: 0.003, errors: 0, errorRate: 0 }), '1 call');
    assert.equal(edgeLabel({ from: 'a', to: 'b', via: 'bus', calls: 12, perSecond: 0.04, errors: 0, errorRate: 0 }), '12 calls');
  });

  it('places a service it does not know right of its caller, and one nobody calls after the rest', () => {
    const layout = layOutServiceMap({
      ...map,
      nodes: [...map.nodes, { name: 'shipping' }, { name: 'audit' }],
      edges: [...map.edges, { from: 'orders', to: 'shipping', via: 'bus', ...EDGE }],
    });
    const column = (name: string) => layout.nodes.find((n) => n.name === name)?.column;
    assert.equal(column('shipping'), 2);
    assert.equal(column('audit'), 4);
  });
});

function metrics(business?: Partial<NonNullable<OpsMetrics['business']>>): OpsMetrics {
  return {
    at: '2026-12-10T10:00:00Z',
    services: [{ name: 'orders', instances: 1, rps: 2, p99Ms: 30, errorRate: 0 }],
    bus: { backlog: 0, deadLetters: 0 },
    business: business && {
      windowSeconds: 60,
      ordersPlaced: 0,
      ordersConfirmed: 0,
      ordersCancelled: {},
      revenueConfirmed: [],
      paymentDeclines: 0,
      reservationFailures: 0,
      sagaStepP99Ms: {},
      ...business,
    },
  };
}

describe('the console’s history of its polls', () => {
  it('reads business figures per minute: cancellations by reason and in all, revenue in major units by currency', () => {
    const sample = sampleOf(
      metrics({
        ordersPlaced: 12,
        ordersConfirmed: 9,
        ordersCancelled: { payment_declined: 2, out_of_stock: 1 },
        revenueConfirmed: [
          { amount: 12_345, currency: 'USD' },
          { amount: 500, currency: 'JPY' },
        ],
        sagaStepP99Ms: { reserve: 41 },
      }),
    );
    assert.equal(sample['orders/cancelled'], 3);
    assert.equal(sample['cancelled/payment_declined'], 2);
    assert.equal(sample['revenue/USD'], 123.45);
    assert.equal(sample['revenue/JPY'], 500);
    assert.equal(sample['saga/reserve'], 41);
  });

  it('a gateway without business figures gives only the traffic series', () => {
    assert.deepEqual(Object.keys(sampleOf(metrics())).sort(), ['p99/orders', 'rps/orders']);
  });

  it('a reason absent from a later minute counts 0 there, and 0 before it first came while figures were reported', () => {
    let history = appendSample(EMPTY_HISTORY, 1, sampleOf(metrics({ ordersPlaced: 1 })));
    history = appendSample(history, 2, sampleOf(metrics({ ordersCancelled: { expired: 1 }, sagaStepP99Ms: { reserve: 5 } })));
    history = appendSample(history, 3, sampleOf(metrics({ ordersPlaced: 2 })));
    assert.deepEqual(history.values['cancelled/expired'], [0, 1, 0]);
    assert.deepEqual(history.values['orders/cancelled'], [0, 1, 0]);
    // A p99 with no step in a minute has no value: a gap, not a 0 ms step.
    assert.deepEqual(history.values['saga/reserve'], [null, 5, null]);
    assert.deepEqual(
      seriesUnder(history, 'orders/', ['placed', 'confirmed', 'cancelled']).map((s) => s.name),
      ['placed', 'confirmed', 'cancelled'],
    );
  });

  it('keeps the last HISTORY_POINTS polls, every series as long as the times', () => {
    let history = EMPTY_HISTORY;
    for (let i = 0; i < HISTORY_POINTS + 25; i++)
      history = appendSample(history, i, sampleOf(metrics(i > 100 ? { ordersPlaced: i } : undefined)));
    assert.equal(history.times.length, HISTORY_POINTS);
    assert.equal(history.times[0], 25);
    for (const values of Object.values(history.values)) assert.equal(values.length, HISTORY_POINTS);
  });
});

describe('ops events in words', () => {
  it('names the kinds it knows and makes the others readable', () => {
    assert.equal(eventKindText('alert_firing'), 'Alert firing');
    assert.equal(eventKindText('disk_full'), 'Disk full');
  });

  it('writes a detail as it is when it is text, and as name: value pairs when it is an object', () => {
    assert.equal(detailText('p99 above 500 ms'), 'p99 above 500 ms');
    assert.equal(detailText({ alert: 'HighErrorRate', value: 0.12 }), 'alert: HighErrorRate, value: 0.12');
    assert.equal(detailText(null), '');
  });
});
