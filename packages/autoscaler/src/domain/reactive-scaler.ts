import type { Scaler, ScalingDecision, ScalingLimits, ServiceLoad } from './api.ts';
import { RecommendationWindow } from './recommendation-window.ts';

/** The Kubernetes HPA's defaults (kube-controller-manager and autoscaling/v2 `behavior`). */
export const REACTIVE_DEFAULTS = {
  stepMs: 5_000,
  /** `--horizontal-pod-autoscaler-tolerance`: no change while the ratio to the target is within 10 %. */
  tolerance: 0.1,
  /** `behavior.scaleDown.stabilizationWindowSeconds`: 300. */
  scaleDownStabilisationMs: 300_000,
  targetUtilisation: 0.8,
  /** The HPA syncs every 15 s; here every step unless told, so the bench sets the 15 s itself. */
  syncMs: 5_000,
  /** The metric is the mean over this window (metrics-server reports a 15–60 s window); one step unless told. */
  metricWindowMs: 5_000,
} as const;

export interface ReactiveScalerOptions {
  stepMs?: number;
  tolerance?: number;
  scaleDownStabilisationMs?: number;
  targetUtilisation?: number;
  syncMs?: number;
  metricWindowMs?: number;
}

/**
 * The Kubernetes HPA's algorithm on requests per second: per-instance utilisation is the mean rps
 * over the metric window divided by the ready instances' capacity; desired = ceil(ready × utilisation
 * / target), skipped while within the tolerance; scale-up limited as the HPA's default policy (to
 * max(2 × current, current + 4) per sync); scale-down to the highest recommendation of the last
 * 5 minutes. The baseline the predictive rule is compared with in `npm run bench -- scaling`.
 */
export class ReactiveScaler implements Scaler {
  readonly #limits: ScalingLimits;
  readonly #o: Required<ReactiveScalerOptions>;
  readonly #window: RecommendationWindow;
  #readings: ServiceLoad[] = [];
  #lastSyncAt = Number.NEGATIVE_INFINITY;
  #last: ScalingDecision | undefined;

  constructor(limits: ScalingLimits, options: ReactiveScalerOptions = {}) {
    if (!(limits.min >= 0 && limits.max >= limits.min && limits.capacityRps > 0))
      throw new RangeError(`scaling limits need 0 ≤ min ≤ max and capacityRps > 0 (got ${JSON.stringify(limits)})`);
    this.#limits = limits;
    this.#o = {
      stepMs: options.stepMs ?? REACTIVE_DEFAULTS.stepMs,
      tolerance: options.tolerance ?? REACTIVE_DEFAULTS.tolerance,
      scaleDownStabilisationMs: options.scaleDownStabilisationMs ?? REACTIVE_DEFAULTS.scaleDownStabilisationMs,
      targetUtilisation: options.targetUtilisation ?? REACTIVE_DEFAULTS.targetUtilisation,
      syncMs: options.syncMs ?? REACTIVE_DEFAULTS.syncMs,
      metricWindowMs: options.metricWindowMs ?? REACTIVE_DEFAULTS.metricWindowMs,
    };
    this.#window = new RecommendationWindow(this.#o.scaleDownStabilisationMs);
  }

  observe(load: ServiceLoad): void {
    this.#readings.push(load);
    const from = load.at - this.#o.metricWindowMs;
    while (this.#readings.length > 1 && (this.#readings[0] as ServiceLoad).at <= from) this.#readings.shift();
  }

  decide(current: number, now: number): ScalingDecision {
    const { min, max, capacityRps } = this.#limits;
    if (this.#last && now - this.#lastSyncAt < this.#o.syncMs)
      return { ...this.#last, at: now, desired: clamp(this.#last.desired, min, max) };
    this.#lastSyncAt = now;
    if (this.#window.empty) this.#window.add(now, current);
    const latest = this.#readings.at(-1);
    if (!latest)
      return this.#remember({
        at: now,
        desired: clamp(current, min, max),
        needed: current,
        capped: false,
        forecast: [],
        reason: 'no readings yet',
      });

    const rps = this.#readings.reduce((sum, r) => sum + r.rps, 0) / this.#readings.length;
    const ready = Math.max(1, latest.instances);
    const ratio = rps / (ready * capacityRps * this.#o.targetUtilisation);
    const utilisation = `${Math.round((100 * rps) / (ready * capacityRps))} % of capacity`;
    let needed: number;
    let reason: string;
    if (Math.abs(ratio - 1) <= this.#o.tolerance) {
      needed = current;
      reason = `${utilisation}, within ${Math.round(this.#o.tolerance * 100)} % of the target`;
    } else {
      needed = Math.max(min, Math.ceil(ready * ratio - 1e-9));
      reason = `${Math.round(rps)} req/s is ${utilisation}: ${needed} for ${Math.round(this.#o.targetUtilisation * 100)} %`;
    }
    const upLimit = Math.max(2 * current, current + 4);
    const recommended = clamp(Math.min(needed, upLimit), min, max);
    this.#window.add(now, recommended);
    const desired = recommended >= current ? recommended : Math.min(current, this.#window.max());
    if (desired > recommended) reason += `; holding ${desired} (highest in the last ${this.#o.scaleDownStabilisationMs / 60_000} min)`;
    const forecast = [{ at: now, value: rps }];
    return this.#remember({ at: now, desired, needed, capped: needed > max, forecast, reason });
  }

  #remember(decision: ScalingDecision): ScalingDecision {
    this.#last = decision;
    return decision;
  }
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}
