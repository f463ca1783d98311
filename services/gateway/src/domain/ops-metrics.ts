/**
 * The ops console's last minute per service, from samples of each instance's Prometheus counters
 * (`http_request_duration_seconds`, the bus gauges, the business counters). Pure: samples in,
 * figures out.
 */

/** A cumulative histogram: upper bound in seconds → observations at or under it. */
export type Buckets = Map<number, number>;

/** What an instance has answered so far: all a window's error share needs. */
export interface RequestCounts {
  at: number;
  /** Requests answered so far (health and metrics probes left out). */
  requests: number;
  /** Of those, answered with a 5xx. */
  errors: number;
}

/** One instance's counters at one moment. */
export interface InstanceSample extends RequestCounts {
  /** The request-duration histogram. */
  buckets: Buckets;
  /** Bus gauges (undefined for a process without a database). */
  outboxBacklog?: number;
  deadLetters?: number;
  /** Age of the oldest outbox row not yet handed to the bus (`mercato_outbox_oldest_age_seconds`). */
  outboxOldestAgeSeconds?: number;
  /** How long the longest-waiting order has been in its saga step (orders only). */
  sagaOldestStepAgeSeconds?: number;
  /** Business counters so far (0 for a process that does not count them). */
  ordersPlaced: number;
  ordersConfirmed: number;
  /** Cancelled checkouts by reason. */
  ordersCancelled: Map<string, number>;
  /** Confirmed totals in minor units, by currency. */
  revenueConfirmed: Map<string, number>;
  /** Declined authorizations, every reason. */
  paymentDeclines: number;
  /** Refused reservations, every reason. */
  reservationFailures: number;
  /** Saga command → reply durations, a histogram per step. */
  sagaSteps: Map<string, Buckets>;
  /** The event loop's delay p99 since the previous read of `/metrics` (prom-client's `nodejs_eventloop_lag_p99_seconds`, reset on each read). */
  eventLoopDelayP99Seconds?: number;
  /** `mercato_bus_consume_lag_seconds` over every consumer of the instance: the sum of lags and the deliveries so far. */
  consumeLagSumSeconds?: number;
  consumeLagCount?: number;
}

/** The last minute across every instance: what the platform did for the shop. */
export interface BusinessFigures {
  windowSeconds: number;
  ordersPlaced: number;
  ordersConfirmed: number;
  ordersCancelled: Record<string, number>;
  revenueConfirmed: { amount: number; currency: string }[];
  paymentDeclines: number;
  reservationFailures: number;
  /** Per step with a reply in the window: the upper bound (ms) of the bucket holding its 99th percentile. */
  sagaStepP99Ms: Record<string, number>;
}

export interface ServiceFigures {
  name: string;
  instances: number;
  rps: number;
  p99Ms: number;
  errorRate: number;
}

const NOT_COUNTED = /^\/(health|metrics)\b/;

/** A sample with nothing counted yet. */
export function emptySample(at: number): InstanceSample {
  return {
    at,
    requests: 0,
    errors: 0,
    buckets: new Map(),
    ordersPlaced: 0,
    ordersConfirmed: 0,
    ordersCancelled: new Map(),
    revenueConfirmed: new Map(),
    paymentDeclines: 0,
    reservationFailures: 0,
    sagaSteps: new Map(),
  };
}

const add = <K>(map: Map<K, number>, key: K, value: number) => map.set(key, (map.get(key) ?? 0) + value);
const upperBound = (le: string | undefined) => (le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le));

/** Parses the Prometheus text format into what a sample keeps. */
export function sampleFromMetricsText(text: string, at: number): InstanceSample {
  const sample = emptySample(at);
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.length === 0) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match?.[1] || match[3] === undefined) continue;
    const [, name, labelText = '', valueText] = match;
    const value = Number(valueText);
    if (!Number.isFinite(value) && valueText !== '+Inf') continue;
    const labels = Object.fromEntries([...labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    switch (name) {
      case 'mercato_outbox_backlog':
        sample.outboxBacklog = (sample.outboxBacklog ?? 0) + value;
        continue;
      case 'mercato_dead_letters_open':
        sample.deadLetters = (sample.deadLetters ?? 0) + value;
        continue;
      case 'mercato_outbox_oldest_age_seconds':
        sample.outboxOldestAgeSeconds = Math.max(sample.outboxOldestAgeSeconds ?? 0, value);
        continue;
      case 'mercato_saga_oldest_step_age_seconds':
        sample.sagaOldestStepAgeSeconds = Math.max(sample.sagaOldestStepAgeSeconds ?? 0, value);
        continue;
      case 'mercato_orders_placed_total':
        sample.ordersPlaced += value;
        continue;
      case 'mercato_orders_confirmed_total':
        sample.ordersConfirmed += value;
        continue;
      case 'mercato_orders_cancelled_total':
        add(sample.ordersCancelled, labels.reason ?? 'unknown', value);
        continue;
      case 'mercato_revenue_confirmed_minor_units_total':
        add(sample.revenueConfirmed, labels.currency ?? 'unknown', value);
        continue;
      case 'mercato_payment_declines_total':
        sample.paymentDeclines += value;
        continue;
      case 'mercato_inventory_reservation_failures_total':
        sample.reservationFailures += value;
        continue;
      case 'nodejs_eventloop_lag_p99_seconds':
        sample.eventLoopDelayP99Seconds = value;
        continue;
      case 'mercato_bus_consume_lag_seconds_sum':
        sample.consumeLagSumSeconds = (sample.consumeLagSumSeconds ?? 0) + value;
        continue;
      case 'mercato_bus_consume_lag_seconds_count':
        sample.consumeLagCount = (sample.consumeLagCount ?? 0) + value;
        continue;
      case 'mercato_saga_step_duration_seconds_bucket': {
        const step = labels.step ?? 'unknown';
        const buckets = sample.sagaSteps.get(step) ?? new Map<number, number>();
        add(buckets, upperBound(labels.le), value);
        sample.sagaSteps.set(step, buckets);
        continue;
      }
    }
    if (!name.startsWith('http_request_duration_seconds') || NOT_COUNTED.test(labels.route ?? '')) continue;
    if (name === 'http_request_duration_seconds_count') {
      sample.requests += value;
      if ((labels.status ?? '').startsWith('5')) sample.errors += value;
    } else if (name === 'http_request_duration_seconds_bucket') {
      add(sample.buckets, upperBound(labels.le), value);
    }
  }
  return sample;
}

/** What happened between two samples of one instance (a restart resets counters: then the newer counts alone). */
export function delta(older: InstanceSample, newer: InstanceSample): { requests: number; errors: number; buckets: Buckets } {
  const reset = newer.requests < older.requests;
  return {
    requests: reset ? newer.requests : newer.requests - older.requests,
    errors: reset ? newer.errors : newer.errors - older.errors,
    buckets: bucketsDelta(older.buckets, newer.buckets),
  };
}

/** A counter's increase between two readings; a reading that went down means the process restarted, and counts from zero. */
const increase = (older: number | undefined, newer: number) => (older === undefined || newer < older ? newer : newer - older);

function bucketsDelta(older: Buckets | undefined, newer: Buckets): Buckets {
  const reset = [...newer].some(([le, count]) => count < (older?.get(le) ?? 0));
  const buckets: Buckets = new Map();
  for (const [le, count] of newer) buckets.set(le, reset ? count : count - (older?.get(le) ?? 0));
  return buckets;
}

/** The oldest and the newest sample of one instance within the window ending `now`, when there are two. */
function windowEnds<S extends { at: number }>(samples: readonly S[], windowMs: number, now: number): [S, S] | undefined {
  const recent = samples.filter((s) => now - s.at <= windowMs);
  const first = recent[0];
  const last = recent.at(-1);
  return first && last && first !== last ? [first, last] : undefined;
}

/** Requests and 5xx answers over the window, every instance together; `ratio` undefined without traffic. */
export function errorShare(
  countsByInstance: readonly (readonly RequestCounts[])[],
  windowMs: number,
  now: number,
): { requests: number; errors: number; ratio: number | undefined } {
  let requests = 0;
  let errors = 0;
  for (const counts of countsByInstance) {
    const ends = windowEnds(counts, windowMs, now);
    if (!ends) continue;
    const [first, last] = ends;
    const reset = last.requests < first.requests;
    requests += reset ? last.requests : last.requests - first.requests;
    errors += reset ? last.errors : last.errors - first.errors;
  }
  return { requests, errors, ratio: requests > 0 ? errors / requests : undefined };
}

/** What every instance counted over the window ending `now`: the business figures of `GET /api/ops/metrics`. */
export function businessFigures(samplesByInstance: readonly (readonly InstanceSample[])[], windowMs: number, now: number): BusinessFigures {
  let ordersPlaced = 0;
  let ordersConfirmed = 0;
  let paymentDeclines = 0;
  let reservationFailures = 0;
  const cancelled = new Map<string, number>();
  const revenue = new Map<string, number>();
  const steps = new Map<string, Buckets>();
  for (const samples of samplesByInstance) {
    const ends = windowEnds(samples, windowMs, now);
    if (!ends) continue;
    const [first, last] = ends;
    ordersPlaced += increase(first.ordersPlaced, last.ordersPlaced);
    ordersConfirmed += increase(first.ordersConfirmed, last.ordersConfirmed);
    paymentDeclines += increase(first.paymentDeclines, last.paymentDeclines);
    reservationFailures += increase(first.reservationFailures, last.reservationFailures);
    for (const [reason, n] of last.ordersCancelled) add(cancelled, reason, increase(first.ordersCancelled.get(reason), n));
    for (const [currency, n] of last.revenueConfirmed) add(revenue, currency, increase(first.revenueConfirmed.get(currency), n));
    for (const [step, buckets] of last.sagaSteps) {
      const total = steps.get(step) ?? new Map<number, number>();
      for (const [le, n] of bucketsDelta(first.sagaSteps.get(step), buckets)) add(total, le, n);
      steps.set(step, total);
    }
  }
  const sagaStepP99Ms: Record<string, number> = {};
  for (const [step, buckets] of [...steps].sort(([a], [b]) => a.localeCompare(b))) {
    const replies = buckets.get(Number.POSITIVE_INFINITY) ?? 0;
    if (replies > 0) sagaStepP99Ms[step] = p99Ms(buckets, replies);
  }
  return {
    windowSeconds: Math.round(windowMs / 1000),
    ordersPlaced,
    ordersConfirmed,
    ordersCancelled: Object.fromEntries([...cancelled].sort(([a], [b]) => a.localeCompare(b))),
    revenueConfirmed: [...revenue].sort(([a], [b]) => a.localeCompare(b)).map(([currency, amount]) => ({ amount, currency })),
    paymentDeclines,
    reservationFailures,
    sagaStepP99Ms,
  };
}

/** The upper bound (ms) of the bucket holding the 99th percentile; 0 without requests. */
export function p99Ms(buckets: Map<number, number>, total: number): number {
  if (total <= 0) return 0;
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  for (const le of bounds) {
    if ((buckets.get(le) ?? 0) >= 0.99 * total)
      return Number.isFinite(le) ? Math.round(le * 1000) : Math.round((bounds.at(-2) ?? 10) * 1000);
  }
  return 0;
}

/** Figures for one service from each live instance's samples, oldest first, over the window ending now. */
export function serviceFigures(name: string, samplesByInstance: InstanceSample[][], windowMs: number, now: number): ServiceFigures {
  let requests = 0;
  let errors = 0;
  let seconds = 0;
  const buckets = new Map<number, number>();
  for (const samples of samplesByInstance) {
    const ends = windowEnds(samples, windowMs, now);
    if (!ends) continue;
    const [first, last] = ends;
    const d = delta(first, last);
    requests += d.requests;
    errors += d.errors;
    seconds = Math.max(seconds, (last.at - first.at) / 1000);
    for (const [le, count] of d.buckets) buckets.set(le, (buckets.get(le) ?? 0) + count);
  }
  return {
    name,
    instances: samplesByInstance.length,
    rps: seconds > 0 ? Number((requests / seconds).toFixed(2)) : 0,
    p99Ms: p99Ms(buckets, requests),
    errorRate: requests > 0 ? Number((errors / requests).toFixed(4)) : 0,
  };
}
