import { ms, percentile } from '../stats.ts';

export interface LatencyFigures {
  calls: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * Times `call(k)` for k = 0..calls-1, one at a time, after `warmUp` untimed calls (so the figures are
 * of optimised code, as in a service that has been up a while); `before(k)`, when given, runs
 * untimed before each call.
 */
export function timeCalls(
  calls: number,
  call: (k: number) => void,
  warmUp = Math.min(2_000, calls),
  before?: (k: number) => void,
): LatencyFigures {
  for (let k = 0; k < warmUp; k++) {
    before?.(calls + k);
    call(calls + k);
  }
  const times = new Float64Array(calls);
  for (let k = 0; k < calls; k++) {
    before?.(k);
    const started = performance.now();
    call(k);
    times[k] = performance.now() - started;
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { calls, p50Ms: precise(percentile(sorted, 50)), p99Ms: precise(percentile(sorted, 99)), maxMs: ms(sorted.at(-1) ?? 0) };
}

/** Sub-millisecond figures keep three decimals. */
const precise = (value: number) => Math.round(value * 1000) / 1000;
