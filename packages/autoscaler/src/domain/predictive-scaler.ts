import type { ForecastValue, Scaler, ScalingDecision, ScalingLimits, ScalingOptions, ServiceLoad } from './api.ts';
import { HoltWinters, type HoltWintersOptions } from './holt-winters.ts';
import { RecommendationWindow } from './recommendation-window.ts';

/** The defaults, each with its reason. */
export const PREDICTIVE_DEFAULTS = {
  /** The supervisor scrapes each instance's /metrics every 5 s. */
  stepMs: 5_000,
  /** An instance is serving ~10 s after it is asked for (start 2–3 s, registration, readiness); 60 s covers it several times over plus a trend that steepens. */
  leadMs: 60_000,
  horizonMs: 300_000,
  /**
   * A lower count is applied once every recommendation of the last 2 minutes is at or below it. Each
   * recommendation already covers the forecast over the next lead + start delay, so the window no
   * longer has to wait out the HPA's 5 minutes for the load to prove it has fallen: it is only a
   * guard against noise (24 readings at 5 s, several times the ~10 s an instance takes to come back
   * if the forecast was wrong). Measured on the bench (10 seeds, the rest of the rule as now): 5 min
   * → 2 min cut instance-minutes by ~6 % on the flash sale, ~1 % on the daily trace and ~21 % on the
   * spike; time over the SLO went 55 → 55 s, 15 → 30 s and 480 → 500 s (the HPA's: 400, 405, 1,270 s).
   * Shorter passes the bench too, but a load that dips for a minute would then drain instances it
   * needs again.
   */
  scaleDownStabilisationMs: 120_000,
  /**
   * The window while the forecast's trend falls beyond its noise (a sale ending, an evening's
   * decline): the forecast, not a run of readings, then says the load is going, so the guard against
   * a noisy dip can be shorter. Measured on the bench over 20 seeds: instance-minutes within the HPA's
   * on the flash sale 11/20 → 20/20 seeds (mean 0.98 → 0.96), the spike 0.88 → 0.83, the daily trace
   * unchanged (1.02); time over the SLO unchanged (0.15, 0.07, 0.39 of the HPA's); an instance added
   * back within 6 min of a removal 6.6 → 7.5 times in the daily trace's three days. 30 s saved a
   * little more and more than doubled those.
   */
  fallingStabilisationMs: 60_000,
  /** 20 % headroom for the noise within a step and the error of the forecast. */
  targetUtilisation: 0.8,
  /** The p99 SLO is 300 ms; a loop 200 ms late already spends most of it queued. */
  eventLoopDelayLimitMs: 200,
  /** A Node instance runs JavaScript on one core: above 0.9 of it, requests queue on the loop. */
  cpuCoresPerInstanceLimit: 0.9,
  /** Events a minute old mean the consumers are not keeping up. */
  consumerLagLimitSeconds: 60,
  /** One saturation instance per 30 s: the time it takes to start (~10 s) and show in two or three readings. */
  saturationCooldownMs: 30_000,
  /** An instance serves ~10 s after it is asked for: one removed now is that long away from serving again. */
  startDelayMs: 10_000,
  /**
   * A rise that is within the forecast's own noise (see NOISE_Z) has to persist this long before an
   * instance is added for it: six readings at 5 s, so one noisy level does not buy an instance that
   * the scale-down guard then keeps for 2 minutes. A rise past the noise, or any saturation signal,
   * adds at once.
   */
  confirmMs: 30_000,
} as const;

/**
 * One-step forecast errors are judged over the last 2 hours (1,440 readings at 5 s): long enough
 * for a stable median and 0.99 quantile, short enough to follow a change in the series' noise.
 */
const ERROR_WINDOW_MS = 7_200_000;
/** Readings of forecast error needed before they are used (5 min at 5 s); until then the rule is the plain one. */
const MIN_ERRORS = 60;
/**
 * A rise is "within the noise" while the forecast, less two standard deviations of its one-step
 * error, would still fit the instances running: ~95 % of such excursions on a flat series are noise.
 */
const NOISE_Z = 2;
/**
 * The part of the trend within two standard deviations of what noise alone gives it (HoltWinters
 * trendNoise) is not projected: on a flat series ±8 % the trend alone swings the forecast a minute
 * ahead by ~0.2 σ of a reading, and the highest forecast of the lead window picks up those swings
 * as slopes that are not there. A ramp keeps the part of its trend that stands out of the noise: a
 * noise-free one all of it, the flash sale's (8–30× its noise) most, a 500 → 2,000 req/s ramp over
 * 10 min at ±8 % about a third to a half, still enough to have the instances an instance start ahead
 * (test); the flash sale's time over the SLO stayed 0.11–0.16 of the HPA's with z 1–4.
 */
const TREND_Z = 2;
/** Planning nearer than 5 % to capacity leaves nothing for a reading the errors so far have not shown. */
const MAX_ADAPTIVE_UTILISATION = 0.95;

export interface PredictiveScalerOptions extends ScalingOptions {
  /** Least time between two instances added for saturation alone (ms). Default 30,000. */
  saturationCooldownMs?: number;
  /** The forecaster's smoothing constants; its defaults otherwise (seasonSteps comes from above). */
  smoothing?: Omit<HoltWintersOptions, 'seasonSteps'>;
  /** Time from asking for an instance to its serving (ms); scale-down looks lead + this ahead. Default 10,000. */
  startDelayMs?: number;
  /** The scale-down window while the forecast's trend falls beyond its noise (ms, at most scaleDownStabilisationMs). Default 60,000. */
  fallingStabilisationMs?: number;
  /** How long a rise within the forecast's noise must last before an instance is added for it (ms). Default 30,000. */
  confirmMs?: number;
  /**
   * Off by default. When set (e.g. 0.99), the headroom follows the forecast's record instead of the
   * fixed 1 / targetUtilisation: per-instance load is planned at capacity / (1 + h), h the given
   * quantile of the last 2 hours' relative one-step errors (how far readings came above the
   * forecast), never below targetUtilisation and never above 0.95. Not the default because the
   * callers (the HPA controller's minReplicas, its tests) are written against the fixed target.
   */
  headroomQuantile?: number;
}

interface Saturation {
  signal: string;
}

/**
 * Forecasts requests per second with Holt-Winters and asks for the instances the highest forecast
 * within `leadMs` needs, so instances are ready before the load arrives. Scales up at once, except
 * that a rise still within the forecast's noise must last `confirmMs`; scales down once every
 * recommendation of the last `scaleDownStabilisationMs` (`fallingStabilisationMs` while the trend
 * falls beyond its noise; each covering the forecast over the lead
 * plus an instance's start) is below the current count, one instance per step. The trend is
 * projected only for the part of it that stands out of its noise. A saturation signal over its limit
 * adds one instance whatever the forecast says.
 */
export class PredictiveScaler implements Scaler {
  readonly #limits: ScalingLimits;
  readonly #o: Required<Omit<PredictiveScalerOptions, 'smoothing' | 'headroomQuantile'>>;
  readonly #headroomQuantile: number | undefined;
  readonly #model: HoltWinters;
  readonly #window: RecommendationWindow;
  /** Relative one-step errors, (reading − forecast) / forecast. */
  readonly #errors: SortedWindow;
  /** |difference| of successive relative errors: noise, without the slowly moving bias of a ramp. */
  readonly #errorSteps: SortedWindow;
  #lastError: number | undefined;
  #last: ServiceLoad | undefined;
  #lastSaturationAt = Number.NEGATIVE_INFINITY;
  #risingSince: number | undefined;

  constructor(limits: ScalingLimits, options: PredictiveScalerOptions = {}) {
    if (!(limits.min >= 0 && limits.max >= limits.min && limits.capacityRps > 0))
      throw new RangeError(`scaling limits need 0 ≤ min ≤ max and capacityRps > 0 (got ${JSON.stringify(limits)})`);
    this.#limits = limits;
    const stepMs = options.stepMs ?? PREDICTIVE_DEFAULTS.stepMs;
    this.#o = {
      stepMs,
      leadMs: options.leadMs ?? PREDICTIVE_DEFAULTS.leadMs,
      horizonMs: options.horizonMs ?? PREDICTIVE_DEFAULTS.horizonMs,
      scaleDownStabilisationMs: options.scaleDownStabilisationMs ?? PREDICTIVE_DEFAULTS.scaleDownStabilisationMs,
      fallingStabilisationMs: Math.min(
        options.fallingStabilisationMs ?? PREDICTIVE_DEFAULTS.fallingStabilisationMs,
        options.scaleDownStabilisationMs ?? PREDICTIVE_DEFAULTS.scaleDownStabilisationMs,
      ),
      seasonSteps: options.seasonSteps ?? Math.round(86_400_000 / stepMs),
      targetUtilisation: options.targetUtilisation ?? PREDICTIVE_DEFAULTS.targetUtilisation,
      eventLoopDelayLimitMs: options.eventLoopDelayLimitMs ?? PREDICTIVE_DEFAULTS.eventLoopDelayLimitMs,
      cpuCoresPerInstanceLimit: options.cpuCoresPerInstanceLimit ?? PREDICTIVE_DEFAULTS.cpuCoresPerInstanceLimit,
      consumerLagLimitSeconds: options.consumerLagLimitSeconds ?? PREDICTIVE_DEFAULTS.consumerLagLimitSeconds,
      saturationCooldownMs: options.saturationCooldownMs ?? PREDICTIVE_DEFAULTS.saturationCooldownMs,
      startDelayMs: options.startDelayMs ?? PREDICTIVE_DEFAULTS.startDelayMs,
      confirmMs: options.confirmMs ?? PREDICTIVE_DEFAULTS.confirmMs,
    };
    this.#headroomQuantile = options.headroomQuantile;
    this.#model = new HoltWinters({ ...options.smoothing, seasonSteps: this.#o.seasonSteps });
    this.#window = new RecommendationWindow(this.#o.scaleDownStabilisationMs);
    const readings = Math.max(MIN_ERRORS, Math.round(ERROR_WINDOW_MS / stepMs));
    this.#errors = new SortedWindow(readings);
    this.#errorSteps = new SortedWindow(readings);
  }

  observe(load: ServiceLoad): void {
    const y = Math.max(0, load.rps);
    // The forecast's record: how far this reading lands from what was forecast for it, relative to
    // it (the noise of a service's load grows with the load). A forecast of 0 has no relative error.
    if (this.#model.count > 0) {
      const predicted = this.#model.forecast(1)[0] as number;
      if (predicted > 0) {
        const error = (y - predicted) / predicted;
        this.#errors.add(error);
        if (this.#lastError !== undefined) this.#errorSteps.add(Math.abs(error - this.#lastError));
        this.#lastError = error;
      }
    }
    this.#model.observe(y);
    this.#last = load;
  }

  decide(current: number, now: number): ScalingDecision {
    const { min, max, capacityRps } = this.#limits;
    const perInstance = capacityRps * this.#utilisation();
    const shownSteps = Math.max(1, Math.ceil(this.#o.horizonMs / this.#o.stepMs));
    const leadSteps = Math.max(0, Math.floor(this.#o.leadMs / this.#o.stepMs));
    const downSteps = Math.max(0, Math.floor((this.#o.leadMs + this.#o.startDelayMs) / this.#o.stepMs));
    const noise = this.#noise();
    const trend = this.#significantTrend(noise);
    const values = this.#model.forecast(Math.max(shownSteps, downSteps), trend);
    const forecast: ForecastValue[] = values.slice(0, shownSteps).map((value, k) => ({ at: now + (k + 1) * this.#o.stepMs, value }));
    // The first window recommendation is the count running now, so nothing is removed before a whole window of readings.
    if (this.#window.empty) this.#window.add(now, current);
    if (this.#model.count === 0) return this.#decision(now, clamp(current, min, max), clamp(current, min, max), [], 'no readings yet');

    let peak = this.#model.current();
    let peakStep = 0;
    for (let k = 0; k < leadSteps; k++)
      if ((values[k] as number) > peak) {
        peak = values[k] as number;
        peakStep = k + 1;
      }
    // Removing an instance is undone only an instance start later: a lower count must carry the
    // forecast over the lead and that start too.
    let holdPeak = peak;
    for (let k = 0; k < downSteps; k++) holdPeak = Math.max(holdPeak, values[k] as number);
    let needed = Math.max(min, Math.ceil(peak / perInstance - 1e-9));
    let keep = Math.max(needed, Math.ceil(holdPeak / perInstance - 1e-9));
    const when = peakStep === 0 ? 'now' : `in ${Math.round((peakStep * this.#o.stepMs) / 1000)} s`;
    let reason = `forecast ${Math.round(peak)} req/s ${when} needs ${needed} × ${Math.round(perInstance)} req/s`;

    let desiredUp = needed;
    const saturation = this.#saturation();
    if (saturation && needed <= current) {
      if (now - this.#lastSaturationAt >= this.#o.saturationCooldownMs) {
        needed = current + 1;
        this.#lastSaturationAt = now;
        reason = `${saturation.signal}: one more than ${current}`;
      } else {
        needed = current;
        reason = `${saturation.signal}: holding ${current} while the last instance added starts`;
      }
      desiredUp = needed;
      keep = needed;
      this.#risingSince = undefined;
    } else if (!saturation && needed > current && Math.ceil(peak / (1 + NOISE_Z * noise) / perInstance - 1e-9) <= current) {
      // The forecast asks for more, but less its noise it still fits, and nothing is saturated: add
      // only if the rise lasts. (Saturated instances need the instance now, whatever the noise.)
      // Each reading covers the step before it: readings from risingSince to now span waited + stepMs of load.
      this.#risingSince ??= now;
      const seen = now - this.#risingSince + this.#o.stepMs;
      if (seen < this.#o.confirmMs) {
        desiredUp = current;
        reason += `; within the forecast's noise (±${Math.round(100 * noise)} %), adding if it lasts ${duration(this.#o.confirmMs - seen)} more`;
      }
    } else this.#risingSince = undefined;
    const recommended = clamp(desiredUp, min, max);
    this.#window.add(now, clamp(keep, min, max));

    if (recommended >= current) return this.#decision(now, recommended, needed, forecast, reason);
    const windowMs = trend < 0 ? this.#o.fallingStabilisationMs : this.#o.scaleDownStabilisationMs;
    const stabilised = this.#window.max(now - windowMs);
    if (stabilised >= current) {
      const wait = this.#window.holdFor(current, now, windowMs);
      return this.#decision(now, current, needed, forecast, `${reason}; holding ${current} for ${duration(wait)} before scaling down`);
    }
    const desired = Math.max(stabilised, current - 1);
    return this.#decision(now, desired, needed, forecast, `${reason}; scaling down one at a time, ${current} → ${desired}`);
  }

  /**
   * The relative standard deviation of the one-step forecast error, from the median |difference| of
   * successive errors (÷ 0.954, the median of |N(0, 2)|): a ramp's lag or a step moves the errors
   * slowly or once, so it is not counted as noise. 0 until MIN_ERRORS readings.
   */
  #noise(): number {
    return this.#errorSteps.length < MIN_ERRORS ? 0 : this.#errorSteps.quantile(0.5) / 0.9539;
  }

  /** The model's trend less what noise alone would give it (TREND_Z of its standard deviation), towards 0. */
  #significantTrend(noise: number): number {
    const trend = this.#model.trend;
    const spread = TREND_Z * this.#model.trendNoise(noise * this.#model.current());
    return Math.sign(trend) * Math.max(0, Math.abs(trend) - spread);
  }

  /** targetUtilisation, or with headroomQuantile: capacity / (1 + that quantile of the relative errors). */
  #utilisation(): number {
    const q = this.#headroomQuantile;
    const target = this.#o.targetUtilisation;
    if (q === undefined || this.#errors.length < MIN_ERRORS) return target;
    const headroom = Math.max(0, this.#errors.quantile(q));
    return Math.min(Math.max(target, MAX_ADAPTIVE_UTILISATION), Math.max(target, 1 / (1 + headroom)));
  }

  #saturation(): Saturation | undefined {
    const load = this.#last;
    if (!load) return undefined;
    const o = this.#o;
    if (load.eventLoopDelayP99Ms !== undefined && load.eventLoopDelayP99Ms > o.eventLoopDelayLimitMs)
      return { signal: `event-loop delay p99 ${Math.round(load.eventLoopDelayP99Ms)} ms over ${o.eventLoopDelayLimitMs} ms` };
    if (load.cpuCores !== undefined && load.instances > 0 && load.cpuCores / load.instances > o.cpuCoresPerInstanceLimit)
      return { signal: `CPU ${(load.cpuCores / load.instances).toFixed(2)} cores per instance over ${o.cpuCoresPerInstanceLimit}` };
    if (load.consumerLagSeconds !== undefined && load.consumerLagSeconds > o.consumerLagLimitSeconds)
      return { signal: `consumer lag ${Math.round(load.consumerLagSeconds)} s over ${o.consumerLagLimitSeconds} s` };
    return undefined;
  }

  #decision(at: number, desired: number, needed: number, forecast: ForecastValue[], reason: string): ScalingDecision {
    return { at, desired, needed, capped: needed > this.#limits.max, forecast, reason };
  }
}

/** The last `size` values, also kept sorted for quantiles (insert and remove by binary search). */
class SortedWindow {
  readonly #size: number;
  readonly #ring: number[] = [];
  #oldest = 0;
  readonly #sorted: number[] = [];

  constructor(size: number) {
    this.#size = Math.max(1, size);
  }

  get length(): number {
    return this.#ring.length;
  }

  add(value: number): void {
    if (!Number.isFinite(value)) return;
    if (this.#ring.length === this.#size) {
      this.#sorted.splice(lowerBound(this.#sorted, this.#ring[this.#oldest] as number), 1);
      this.#ring[this.#oldest] = value;
      this.#oldest = (this.#oldest + 1) % this.#size;
    } else this.#ring.push(value);
    this.#sorted.splice(lowerBound(this.#sorted, value), 0, value);
  }

  /** The q-quantile (nearest rank); 0 when empty. */
  quantile(q: number): number {
    const s = this.#sorted;
    if (s.length === 0) return 0;
    return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] as number;
  }
}

function lowerBound(sorted: number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((sorted[mid] as number) < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}

function duration(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s} s`;
  return s % 60 === 0 ? `${s / 60} min` : `${Math.floor(s / 60)} min ${s % 60} s`;
}
