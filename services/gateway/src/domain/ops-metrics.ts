/**
 * The ops console's last minute per service, from samples of each instance's Prometheus counters
 * (`http_request_duration_seconds`, and the bus gauges). Pure: samples in, figures out.
 */

/** One instance's counters at one moment. */
export interface InstanceSample {
  at: number;
  /** Requests answered so far (health and metrics probes left out). */
  requests: number;
  /** Of those, answered with a 5xx. */
  errors: number;
  /** Cumulative histogram: upper bound in seconds → requests at or under it. */
  buckets: Map<number, number>;
  /** Bus gauges (undefined for a process without a bus). */
  outboxBacklog?: number;
  deadLetters?: number;
}

export interface ServiceFigures {
  name: string;
  instances: number;
  rps: number;
  p99Ms: number;
  errorRate: number;
}

const NOT_COUNTED = /^\/(health|metrics)\b/;

/** Parses the Prometheus text format into what a sample keeps. */
export function sampleFromMetricsText(text: string, at: number): InstanceSample {
  const sample: InstanceSample = { at, requests: 0, errors: 0, buckets: new Map() };
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.length === 0) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match?.[1] || match[3] === undefined) continue;
    const [, name, labelText = '', valueText] = match;
    const value = Number(valueText);
    if (!Number.isFinite(value) && valueText !== '+Inf') continue;
    const labels = Object.fromEntries([...labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (name === 'mercato_outbox_backlog') sample.outboxBacklog = (sample.outboxBacklog ?? 0) + value;
    else if (name === 'mercato_dead_letters_open') sample.deadLetters = (sample.deadLetters ?? 0) + value;
    if (!name.startsWith('http_request_duration_seconds') || NOT_COUNTED.test(labels.route ?? '')) continue;
    if (name === 'http_request_duration_seconds_count') {
      sample.requests += value;
      if ((labels.status ?? '').startsWith('5')) sample.errors += value;
    } else if (name === 'http_request_duration_seconds_bucket') {
      const le = labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(labels.le);
      sample.buckets.set(le, (sample.buckets.get(le) ?? 0) + value);
    }
  }
  return sample;
}

/** What happened between two samples of one instance (a restart resets counters: then the newer counts alone). */
function delta(older: InstanceSample, newer: InstanceSample): InstanceSample {
  const reset = newer.requests < older.requests;
  const buckets = new Map<number, number>();
  for (const [le, count] of newer.buckets) buckets.set(le, reset ? count : count - (older.buckets.get(le) ?? 0));
  return {
    at: newer.at,
    requests: reset ? newer.requests : newer.requests - older.requests,
    errors: reset ? newer.errors : newer.errors - older.errors,
    buckets,
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
    const recent = samples.filter((s) => now - s.at <= windowMs);
    const first = recent[0];
    const last = recent.at(-1);
    if (!first || !last || first === last) continue;
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
