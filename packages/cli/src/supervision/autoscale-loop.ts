import { PredictiveScaler, type Scaler, type ScalingDecision, type ScalingLimits, type ServiceLoad } from '@mercato/autoscaler';
import type { ControlEvents } from '@mercato/autoscaler/control';
import type { ScalingStateResponse, ServiceScaling } from '@mercato/contracts';

export interface AutoscaledService {
  name: string;
  limits: ScalingLimits;
}

export interface AutoscaleLoopOptions {
  services: readonly AutoscaledService[];
  events: ControlEvents;
  /** The service's load over the last step; undefined when it could not be read whole (the step is skipped). */
  readLoad: (service: string) => Promise<ServiceLoad | undefined>;
  /** Instances of the service that are running now (started and listening). */
  running: (service: string) => number;
  /** Starts or drains instances until `count` run; resolves when asked (not when they are ready), false when it did nothing. */
  scaleTo: (service: string, count: number) => Promise<boolean>;
  stepMs?: number;
  makeScaler?: (limits: ScalingLimits) => Scaler;
}

interface ServiceState {
  scaler: Scaler;
  decision: ScalingDecision | undefined;
  capped: boolean;
}

/**
 * `mercato up --autoscale`: every step each service's load is read from its instances' metrics, the
 * decision engine (`@mercato/autoscaler`, the same as the Kubernetes controller's) forecasts it and
 * says how many instances it needs, and the supervisor starts or drains instances to match. Each
 * change is a `scaled_up` / `scaled_down` event; a need beyond `max` raises ScalingCapped.
 */
export class AutoscaleLoop {
  readonly #o: Required<Omit<AutoscaleLoopOptions, 'makeScaler'>> & Pick<AutoscaleLoopOptions, 'makeScaler'>;
  readonly #states = new Map<string, ServiceState>();
  #timer: NodeJS.Timeout | undefined;
  #stepping = false;

  constructor(options: AutoscaleLoopOptions) {
    this.#o = { stepMs: 5_000, ...options };
    const stepMs = this.#o.stepMs;
    for (const service of options.services) {
      const scaler = options.makeScaler?.(service.limits) ?? new PredictiveScaler(service.limits, { stepMs });
      this.#states.set(service.name, { scaler, decision: undefined, capped: false });
    }
  }

  start(): void {
    this.#timer = setInterval(() => void this.step(), this.#o.stepMs);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** One step over every service (one at a time: a slow read never overlaps the next step). */
  async step(now = Date.now()): Promise<void> {
    if (this.#stepping) return;
    this.#stepping = true;
    try {
      for (const service of this.#o.services) await this.#stepOne(service, now).catch(() => undefined);
    } finally {
      this.#stepping = false;
    }
  }

  async #stepOne(service: AutoscaledService, now: number): Promise<void> {
    const state = this.#states.get(service.name);
    if (!state) return;
    const load = await this.#o.readLoad(service.name);
    if (!load) return;
    state.scaler.observe(load);
    const current = this.#o.running(service.name);
    const decision = state.scaler.decide(current, now);
    state.decision = decision;
    if (decision.capped !== state.capped) {
      state.capped = decision.capped;
      this.#o.events.record(decision.capped ? 'alert_firing' : 'alert_resolved', service.name, {
        alert: 'ScalingCapped',
        severity: 'warning',
        summary: decision.capped
          ? `${service.name} needs ${decision.needed} instances; the maximum is ${service.limits.max}`
          : `${service.name} fits within its maximum again`,
      });
    }
    if (decision.desired === current) return;
    if ((await this.#o.scaleTo(service.name, decision.desired)) === false) return;
    this.#o.events.record(decision.desired > current ? 'scaled_up' : 'scaled_down', service.name, {
      from: current,
      to: decision.desired,
      reason: decision.reason,
      rps: Math.round(load.rps * 10) / 10,
    });
  }

  /** What `/scaling` answers: each service's last decision with its forecast. */
  state(): ScalingStateResponse {
    return {
      autoscaling: true,
      services: this.#o.services.map((service): ServiceScaling => {
        const decision = this.#states.get(service.name)?.decision;
        const instances = this.#o.running(service.name);
        return {
          name: service.name,
          instances,
          desired: decision?.desired ?? instances,
          min: service.limits.min,
          max: service.limits.max,
          forecast: (decision?.forecast ?? []).map((p) => ({ at: new Date(p.at).toISOString(), value: Math.round(p.value * 10) / 10 })),
          reason: decision?.reason ?? 'waiting for the first reading',
          decidedAt: new Date(decision?.at ?? Date.now()).toISOString(),
        };
      }),
    };
  }
}
