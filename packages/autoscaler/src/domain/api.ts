/**
 * The decision engine's interface, shared by its two users: the supervisor of `mercato up
 * --autoscale` (starts and drains instances) and the Kubernetes controller (sets the HPA's
 * `minReplicas`), and by `npm run bench -- scaling` (the simulator). Pure: no I/O, time is passed in.
 */

/** One reading of a service's load, summed over its instances at `at` (epoch ms). */
export interface ServiceLoad {
  at: number;
  /** Requests per second the service answered over the last step. */
  rps: number;
  /** Instances running when the reading was taken. */
  instances: number;
  /** CPU cores used, summed over instances (process_cpu_seconds_total rate), when known. */
  cpuCores?: number;
  /** The worst instance's event-loop delay p99, ms, when known. */
  eventLoopDelayP99Ms?: number;
  /** The oldest event waiting for this service's consumers, seconds, when known. */
  consumerLagSeconds?: number;
}

/** A service's bounds and what one instance carries. */
export interface ScalingLimits {
  min: number;
  max: number;
  /** Requests per second one instance answers within the latency SLO (the browse benchmark's measure). */
  capacityRps: number;
}

export interface ScalingOptions {
  /** The time between readings (ms); the forecast has one point per step. Default 5,000. */
  stepMs?: number;
  /** How far ahead the decision looks (ms): an instance's start time plus a margin. Default 60,000. */
  leadMs?: number;
  /** How far the forecast shown goes (ms). Default 300,000. */
  horizonMs?: number;
  /** A lower desired count must hold this long before instances are removed (ms). Default 120,000 for the predictive rule (it looks ahead), 300,000 for the reactive one (the HPA's). */
  scaleDownStabilisationMs?: number;
  /** Readings per season (a day) for Holt-Winters' seasonal part, used once two seasons are seen. */
  seasonSteps?: number;
  /** Fraction of capacityRps to plan for (headroom). Default 0.8. */
  targetUtilisation?: number;
  /** Saturation signals that add an instance whatever the forecast says. */
  eventLoopDelayLimitMs?: number;
  cpuCoresPerInstanceLimit?: number;
  consumerLagLimitSeconds?: number;
}

export interface ForecastValue {
  at: number;
  value: number;
}

export interface ScalingDecision {
  at: number;
  /** Instances wanted, within [min, max]. */
  desired: number;
  /** Instances the load would need without the max bound (so `capped` can say by how much). */
  needed: number;
  /** True when `needed` > max: the caller raises an alert. */
  capped: boolean;
  /** Forecast requests per second, one point per step up to horizonMs. */
  forecast: ForecastValue[];
  /** Why, in words (`forecast 412 req/s in 60 s needs 3 × 170 req/s`, `event-loop delay 250 ms`, `holding 3 for 4 min before scaling down`). */
  reason: string;
}

/** A scaling rule: fed one reading per step, asked for a decision after each. */
export interface Scaler {
  observe(load: ServiceLoad): void;
  decide(current: number, now: number): ScalingDecision;
}

/** A point that stood out in a series. */
export interface Anomaly {
  at: number;
  /** The reading (for a `slow` anomaly the fast level: one reading says little about a drift). */
  value: number;
  /** What the detector expected: the fast level, or for a `slow` anomaly the slow baseline. */
  expected: number;
  /** How far out, in robust standard deviations (of a reading for `fast`, of the level's own noise for `slow`). */
  score: number;
  /**
   * What it was measured against: `fast`, the reading against the level of the last ~100 s (a step,
   * a burst); `slow`, that level against the slow baseline (15 min by default: a leak the fast level
   * followed), `expected` then being the slow baseline.
   */
  baseline: 'fast' | 'slow';
}

export interface AnomalyDetectorOptions {
  /** Smoothing of the level (EWMA), 0–1. */
  alpha?: number;
  /** Score above which a point is anomalous. */
  threshold?: number;
  /** Readings before any verdict. */
  warmup?: number;
  /** Consecutive anomalous points before raising (1 = at once). */
  confirm?: number;
  /** A deviation smaller than this (in the series' units) is never anomalous (a flat series' noise floor). */
  minDeviation?: number;
  /** Only rises are anomalies (latency, errors, lag); default true. */
  upOnly?: boolean;
}

/** A streaming detector over one series: `observe` returns an anomaly when one starts (once per episode). */
export interface SeriesDetector {
  observe(at: number, value: number): Anomaly | undefined;
}
