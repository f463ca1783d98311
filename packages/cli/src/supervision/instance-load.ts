import type { ServiceLoad } from '@mercato/autoscaler';

/** The counters and gauges the autoscaler reads of one instance's `/metrics`, at one moment. */
export interface MetricsReading {
  at: number;
  /** Requests answered since the instance started, probes and scrapes left out. */
  requests: number;
  cpuSeconds: number;
  eventLoopDelayP99Seconds: number | undefined;
  /** Sum and count of the consume-lag histogram (seconds). */
  lagSum: number;
  lagCount: number;
}

/** Routes that are the platform watching itself, not load. */
const NOT_LOAD = /route="(\/health\/[^"]*|\/metrics|\/internal\/traces[^"]*)"/;

/** Reads a Prometheus text exposition (prom-client's) for what MetricsReading holds. */
export function readMetricsText(text: string, at: number): MetricsReading {
  const reading: MetricsReading = { at, requests: 0, cpuSeconds: 0, eventLoopDelayP99Seconds: undefined, lagSum: 0, lagCount: 0 };
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    const space = line.lastIndexOf(' ');
    const value = Number(line.slice(space + 1));
    if (!Number.isFinite(value)) continue;
    const name = line.slice(0, line.indexOf('{') === -1 ? space : line.indexOf('{'));
    if (name === 'http_request_duration_seconds_count' && !NOT_LOAD.test(line)) reading.requests += value;
    else if (name === 'process_cpu_seconds_total') reading.cpuSeconds = value;
    else if (name === 'nodejs_eventloop_lag_p99_seconds') reading.eventLoopDelayP99Seconds = value;
    else if (name === 'mercato_bus_consume_lag_seconds_sum') reading.lagSum += value;
    else if (name === 'mercato_bus_consume_lag_seconds_count') reading.lagCount += value;
  }
  return reading;
}

/**
 * A service's load over the last step from each instance's reading now and the one before (an
 * instance seen for the first time adds its gauges but no rates: it has no step yet). A counter
 * that went down is an instance restarted under the same id: its rates count from zero.
 */
export function serviceLoad(
  at: number,
  instances: readonly { previous: MetricsReading | undefined; current: MetricsReading }[],
): ServiceLoad {
  let rps = 0;
  let cpuCores = 0;
  let lagSum = 0;
  let lagCount = 0;
  let worstDelay: number | undefined;
  for (const { previous, current } of instances) {
    if (current.eventLoopDelayP99Seconds !== undefined) worstDelay = Math.max(worstDelay ?? 0, current.eventLoopDelayP99Seconds * 1_000);
    if (!previous || current.at <= previous.at) continue;
    const seconds = (current.at - previous.at) / 1_000;
    const delta = (now: number, before: number) => (now >= before ? now - before : now);
    rps += delta(current.requests, previous.requests) / seconds;
    cpuCores += delta(current.cpuSeconds, previous.cpuSeconds) / seconds;
    lagSum += delta(current.lagSum, previous.lagSum);
    lagCount += delta(current.lagCount, previous.lagCount);
  }
  return {
    at,
    rps,
    instances: instances.length,
    cpuCores,
    ...(worstDelay === undefined ? {} : { eventLoopDelayP99Ms: worstDelay }),
    ...(lagCount > 0 ? { consumerLagSeconds: lagSum / lagCount } : {}),
  };
}
