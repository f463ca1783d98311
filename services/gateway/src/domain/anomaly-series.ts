/**
 * What the gateway's anomaly detection watches per service, one reading per ops round (5 s), so
 * that a rise shows as an `anomaly` event before an alert's window fills (LatencyOverSlo reads 5
 * minutes, HighErrorRate a minute). Pure: two samples of each instance in, one reading per series out.
 */
import { type Buckets, delta, type InstanceSample } from './ops-metrics.ts';

export type AnomalySeriesName = 'latency_p99' | 'error_rate' | 'event_loop_delay_p99' | 'consumer_lag';

export interface AnomalySeries {
  name: AnomalySeriesName;
  unit: 'ms' | 'ratio' | 's';
  /** A deviation smaller than this is never anomalous, however flat the series was (its noise floor). */
  minDeviation: number;
}

/**
 * The floors, and why:
 * - latency 20 ms: a healthy p99 is well under 50 ms, where the request histogram's buckets are 10
 *   and 25 ms apart (kit metrics.ts), so a move of one bucket is measurement, not news; 20 ms is
 *   also 4% of the 500 ms objective, early enough to matter.
 * - error rate 0.02: with the 10 requests a step needs at least (MIN_REQUESTS_PER_STEP), one 5xx in
 *   50 is noise; HighErrorRate fires at 0.05 over a minute, so a rise of 0.02 in a step warns first.
 * - event-loop delay 20 ms: prom-client samples the delay at a 10 ms resolution, so an idle
 *   process's p99 jitters by about 10 ms; two ticks is a loop that is really busy.
 * - consumer lag 2 s: the PostgreSQL bus adapter polls every second (pgboss-bus.ts) and the outbox
 *   relay's safety poll is 5 s, so a delivery's lag moves by a second or two without anything wrong.
 */
export const ANOMALY_SERIES: readonly AnomalySeries[] = [
  { name: 'latency_p99', unit: 'ms', minDeviation: 20 },
  { name: 'error_rate', unit: 'ratio', minDeviation: 0.02 },
  { name: 'event_loop_delay_p99', unit: 'ms', minDeviation: 20 },
  { name: 'consumer_lag', unit: 's', minDeviation: 2 },
];

/**
 * The slow baseline's memory in readings (1 h at 5 s), against which each series' level is checked
 * for drift (EwmaDetector's `drift`): every series here is one where a slow rise is a real problem —
 * latency and event-loop delay creeping up with a leak, an error share growing with a failing
 * dependency, a consumer lag growing because consumers fall behind. A drift is raised only past the
 * series' floor, and a baseline follows any rise slower than about its floor per memory, so the
 * detector's own 15 min would let p99 latency climb 80 ms an hour unraised: the bench's leak (+48 ms
 * an hour on 40 ms) is never found under the 20 ms floor. With an hour it is found 19/20, 36 min in
 * (p50; `npm run bench -- scaling --parts detector`, its table with the gateway's options). A daily
 * curve stays quiet: its steepest hour moves by 13 % of its swing (π/24), under the floor unless the
 * day swings by 7–8 floors.
 */
export const SLOW_BASELINE_READINGS = 720;

/**
 * Requests a service must answer in a step before its latency and error rate are read: a p99 of
 * three requests is the slowest one, and one failure in five is 20% — noise that would teach the
 * detector a wide band and hide the rises that matter.
 */
export const MIN_REQUESTS_PER_STEP = 10;

/** One instance's previous and latest sample, both from consecutive rounds. */
export interface InstanceStep {
  older: InstanceSample;
  newer: InstanceSample;
}

/** The q-quantile (ms) of a cumulative histogram, interpolated within its bucket as Prometheus' histogram_quantile does; 0 when empty. */
export function quantileMs(buckets: Buckets, q: number): number {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Number.POSITIVE_INFINITY) ?? buckets.get(bounds.at(-1) ?? 0) ?? 0;
  if (total <= 0) return 0;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const le of bounds) {
    const count = buckets.get(le) ?? 0;
    if (count >= rank) {
      // In the +Inf bucket nothing bounds it: the highest finite bound, as histogram_quantile answers.
      if (!Number.isFinite(le)) return lower * 1000;
      const within = count - below;
      return (lower + (le - lower) * (within > 0 ? (rank - below) / within : 1)) * 1000;
    }
    lower = le;
    below = count;
  }
  return lower * 1000;
}

/**
 * A service's readings over the last step from each live instance's last two samples: the p99 and
 * the 5xx share of the requests answered in the step (every instance together, when there were at
 * least MIN_REQUESTS_PER_STEP), the worst instance's event-loop delay p99, and the mean lag of the
 * deliveries its consumers received in the step (when there were any). A series without a reading
 * is left out.
 */
export function stepReadings(steps: readonly InstanceStep[]): Partial<Record<AnomalySeriesName, number>> {
  const readings: Partial<Record<AnomalySeriesName, number>> = {};
  let requests = 0;
  let errors = 0;
  const buckets: Buckets = new Map();
  let lagSum = 0;
  let lagCount = 0;
  for (const { older, newer } of steps) {
    const d = delta(older, newer);
    requests += d.requests;
    errors += d.errors;
    for (const [le, n] of d.buckets) buckets.set(le, (buckets.get(le) ?? 0) + n);
    if (newer.eventLoopDelayP99Seconds !== undefined)
      readings.event_loop_delay_p99 = Math.max(readings.event_loop_delay_p99 ?? 0, newer.eventLoopDelayP99Seconds * 1000);
    if (newer.consumeLagCount !== undefined && newer.consumeLagSumSeconds !== undefined) {
      const reset = newer.consumeLagCount < (older.consumeLagCount ?? 0);
      lagCount += reset ? newer.consumeLagCount : newer.consumeLagCount - (older.consumeLagCount ?? 0);
      lagSum += reset ? newer.consumeLagSumSeconds : newer.consumeLagSumSeconds - (older.consumeLagSumSeconds ?? 0);
    }
  }
  if (requests >= MIN_REQUESTS_PER_STEP) {
    readings.latency_p99 = quantileMs(buckets, 0.99);
    readings.error_rate = errors / requests;
  }
  if (lagCount > 0) readings.consumer_lag = Math.max(0, lagSum / lagCount);
  return readings;
}
