/**
 * A service's load, read from Prometheus's HTTP API (`GET /api/v1/query`, instant queries). The
 * series are the kit's (packages/kit/src/metrics.ts, packages/kit/src/service/consumers.ts): every
 * one carries `service` and `instance` as prom-client default labels, and both scrape configurations
 * (deploy/observability/prometheus*.yml) keep them (`honor_labels`).
 *
 * Nothing here throws: an answer that is late, not JSON, not a success or not the shape of an
 * instant vector counts as no answer, and without a request rate there is no reading at all (the
 * controller then leaves the service as it is for this step). The other signals are optional: a
 * well-formed empty answer (no consumers, no samples yet) leaves that field out.
 */
import type { ServiceLoad } from '../api.ts';

/** Prometheus answers an instant query from memory: 5 s means it is down or overloaded, and a step is 15 s. */
const QUERY_TIMEOUT_MS = 5_000;
/** An answer bigger than this is not one number per query (a few hundred bytes); it is not read into memory to find that out. */
const MAX_ANSWER_BYTES = 256 * 1024;

/** A label value inside PromQL double quotes: service names come from our own config, but quote them anyway. */
const quoted = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** The PromQL for each signal of one service, over the last minute (four scrapes at 15 s). */
export function loadQueries(service: string): Record<'rps' | 'cpu' | 'eventLoop' | 'lag', string> {
  const s = quoted(service);
  return {
    // What the service answered, without the probes and scrapes (the same filter as alerts.yml's rate rule).
    rps: `sum(rate(http_request_duration_seconds_count{service=${s},route!~"/health.*|/metrics"}[1m]))`,
    cpu: `sum(rate(process_cpu_seconds_total{service=${s}}[1m]))`,
    // prom-client's default metric: the worst instance's p99, in seconds.
    eventLoop: `max(nodejs_eventloop_lag_p99_seconds{service=${s}})`,
    // Publication to delivery, as the consumers saw it over the last minute: the p99 of the histogram.
    lag: `histogram_quantile(0.99, sum by (le) (rate(mercato_bus_consume_lag_seconds_bucket{service=${s}}[1m])))`,
  };
}

/** Why a reading could not be taken, for the log. */
export type LoadFailure = { ok: false; reason: string };
export type LoadResult = { ok: true; load: ServiceLoad } | LoadFailure;

/** A number out of one query's answer: a value, `undefined` for an empty vector, or a failure. */
type Sample = { ok: true; value: number | undefined } | LoadFailure;

export interface LoadSource {
  /** The service's load now; `instances` comes from the caller (the HPA's status). Never throws. */
  read(service: string, instances: number, now: number): Promise<LoadResult>;
}

export class PrometheusLoad implements LoadSource {
  readonly #base: string;
  readonly #timeoutMs: number;

  constructor(options: { url: string; timeoutMs?: number }) {
    this.#base = options.url.replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs ?? QUERY_TIMEOUT_MS;
  }

  async read(service: string, instances: number, now: number): Promise<LoadResult> {
    const queries = loadQueries(service);
    const [rps, cpu, eventLoop, lag] = await Promise.all([
      this.#query(queries.rps),
      this.#query(queries.cpu),
      this.#query(queries.eventLoop),
      this.#query(queries.lag),
    ]);
    if (!rps.ok) return { ok: false, reason: `request rate: ${rps.reason}` };
    if (rps.value === undefined) return { ok: false, reason: `no request series for service="${service}" in Prometheus` };
    for (const [name, sample] of [
      ['cpu', cpu],
      ['event-loop delay', eventLoop],
      ['consumer lag', lag],
    ] as const) {
      if (!sample.ok) return { ok: false, reason: `${name}: ${sample.reason}` };
    }
    const load: ServiceLoad = { at: now, rps: rps.value, instances };
    if (cpu.ok && cpu.value !== undefined) load.cpuCores = cpu.value;
    if (eventLoop.ok && eventLoop.value !== undefined) load.eventLoopDelayP99Ms = eventLoop.value * 1000;
    if (lag.ok && lag.value !== undefined) load.consumerLagSeconds = lag.value;
    return { ok: true, load };
  }

  async #query(query: string): Promise<Sample> {
    let body: unknown;
    try {
      const url = `${this.#base}/api/v1/query?${new URLSearchParams({ query })}`;
      const response = await fetch(url, { signal: AbortSignal.timeout(this.#timeoutMs), headers: { accept: 'application/json' } });
      const length = Number(response.headers.get('content-length') ?? 0);
      if (length > MAX_ANSWER_BYTES) {
        await response.body?.cancel();
        return { ok: false, reason: `an answer of ${length} bytes` };
      }
      const text = await response.text();
      if (text.length > MAX_ANSWER_BYTES) return { ok: false, reason: `an answer of ${text.length} characters` };
      if (response.status !== 200) return { ok: false, reason: `HTTP ${response.status} from ${this.#base}` };
      body = JSON.parse(text);
    } catch (error) {
      return { ok: false, reason: `no answer from ${this.#base} (${(error as Error).message}); is PROMETHEUS_URL right?` };
    }
    return sampleOf(body);
  }
}

/**
 * The one number of an instant vector (`{ status: 'success', data: { resultType: 'vector', result:
 * [{ metric, value: [time, "1.5"] }] } }`, Prometheus's HTTP API docs). `sum`/`max` give at most one
 * element; more is not the query we sent. NaN (histogram_quantile over no events) is "no value".
 */
export function sampleOf(body: unknown): Sample {
  if (!isRecord(body) || body.status !== 'success') {
    const error = isRecord(body) && typeof body.error === 'string' ? body.error.slice(0, 200) : 'not a Prometheus answer';
    return { ok: false, reason: error };
  }
  const data = body.data;
  if (!isRecord(data) || data.resultType !== 'vector' || !Array.isArray(data.result)) {
    return { ok: false, reason: 'not an instant vector' };
  }
  if (data.result.length === 0) return { ok: true, value: undefined };
  if (data.result.length > 1) return { ok: false, reason: `${data.result.length} series where one was expected` };
  const [element] = data.result;
  const value = isRecord(element) ? element.value : undefined;
  if (!Array.isArray(value) || value.length !== 2 || typeof value[1] !== 'string') return { ok: false, reason: 'a sample without a value' };
  const text = value[1];
  if (text === 'NaN') return { ok: true, value: undefined };
  const number = Number(text);
  // Rates, cores, seconds: never negative, never infinite.
  if (text.trim() === '' || !Number.isFinite(number) || number < 0)
    return { ok: false, reason: `a value of ${JSON.stringify(text.slice(0, 40))}` };
  return { ok: true, value: number };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
