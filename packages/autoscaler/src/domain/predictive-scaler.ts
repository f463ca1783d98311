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
  /** The HPA's default scale-down stabilisation window. */
  scaleDownStabilisationMs: 300_000,
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
} as const;

export interface PredictiveScalerOptions extends ScalingOptions {
  /** Least time between two instances added for saturation alone (ms). Default 30,000. */
  saturationCooldownMs?: number;
  /** The forecaster's smoothing constants; its defaults otherwise (seasonSteps comes from above). */
  smoothing?: Omit<HoltWintersOptions, 'seasonSteps'>;
}

interface Saturation {
  signal: string;
}

/**
 * Forecasts requests per second with Holt-Winters and asks for the instances the highest forecast
 * within `leadMs` needs, so instances are ready before the load arrives. Scales up at once; scales
 * down only to a count that every recommendation of the last `scaleDownStabilisationMs` is at or
 * below, and by one instance per step, so a dip or a noisy reading never drains instances that the
 * next minute needs. A saturation signal over its limit adds one instance whatever the forecast says.
 */
export class PredictiveScaler implements Scaler {
  readonly #limits: ScalingLimits;
  readonly #o: Required<Omit<PredictiveScalerOptions, 'smoothing'>>;
  readonly #model: HoltWinters;
  readonly #window: RecommendationWindow;
  #last: ServiceLoad | undefined;
  #lastSaturationAt = Number.NEGATIVE_INFINITY;

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
      seasonSteps: options.seasonSteps ?? Math.round(86_400_000 / stepMs),
      targetUtilisation: options.targetUtilisation ?? PREDICTIVE_DEFAULTS.targetUtilisation,
      eventLoopDelayLimitMs: options.eventLoopDelayLimitMs ?? PREDICTIVE_DEFAULTS.eventLoopDelayLimitMs,
      cpuCoresPerInstanceLimit: options.cpuCoresPerInstanceLimit ?? PREDICTIVE_DEFAULTS.cpuCoresPerInstanceLimit,
      consumerLagLimitSeconds: options.consumerLagLimitSeconds ?? PREDICTIVE_DEFAULTS.consumerLagLimitSeconds,
      saturationCooldownMs: options.saturationCooldownMs ?? PREDICTIVE_DEFAULTS.saturationCooldownMs,
    };
    this.#model = new HoltWinters({ ...options.smoothing, seasonSteps: this.#o.seasonSteps });
    this.#window = new RecommendationWindow(this.#o.scaleDownStabilisationMs);
  }

  observe(load: ServiceLoad): void {
    this.#model.observe(Math.max(0, load.rps));
    this.#last = load;
  }

  decide(current: number, now: number): ScalingDecision {
    const { min, max, capacityRps } = this.#limits;
    const perInstance = capacityRps * this.#o.targetUtilisation;
    const steps = Math.max(1, Math.ceil(this.#o.horizonMs / this.#o.stepMs));
    const values = this.#model.forecast(steps);
    const forecast: ForecastValue[] = values.map((value, k) => ({ at: now + (k + 1) * this.#o.stepMs, value }));
    // The first window recommendation is the count running now, so nothing is removed before a whole window of readings.
    if (this.#window.empty) this.#window.add(now, current);
    if (this.#model.count === 0) return this.#decision(now, clamp(current, min, max), clamp(current, min, max), [], 'no readings yet');

    const leadSteps = Math.min(steps, Math.max(0, Math.floor(this.#o.leadMs / this.#o.stepMs)));
    let peak = this.#model.current();
    let peakStep = 0;
    for (let k = 0; k < leadSteps; k++)
      if ((values[k] as number) > peak) {
        peak = values[k] as number;
        peakStep = k + 1;
      }
    let needed = Math.max(min, Math.ceil(peak / perInstance - 1e-9));
    const when = peakStep === 0 ? 'now' : `in ${Math.round((peakStep * this.#o.stepMs) / 1000)} s`;
    let reason = `forecast ${Math.round(peak)} req/s ${when} needs ${needed} × ${Math.round(perInstance)} req/s`;

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
    }
    const recommended = clamp(needed, min, max);
    this.#window.add(now, recommended);

    if (recommended >= current) return this.#decision(now, recommended, needed, forecast, reason);
    const stabilised = this.#window.max();
    if (stabilised >= current) {
      const wait = this.#window.holdFor(current, now);
      return this.#decision(now, current, needed, forecast, `${reason}; holding ${current} for ${duration(wait)} before scaling down`);
    }
    const desired = Math.max(stabilised, current - 1);
    return this.#decision(now, desired, needed, forecast, `${reason}; scaling down one at a time, ${current} → ${desired}`);
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

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}

function duration(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s} s`;
  return s % 60 === 0 ? `${s / 60} min` : `${Math.floor(s / 60)} min ${s % 60} s`;
}
