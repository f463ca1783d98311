/**
 * The predictive autoscaler on Kubernetes: every step, for each service, read its HPA and its load,
 * feed the reading to the service's scaler and set the HPA's `minReplicas` to the decision, clamped to
 * [floor, the HPA's maxReplicas]. The HPA still owns `replicas`: it scales above `minReplicas` on CPU
 * for what the forecast missed, and the controller lifts the floor ahead of a forecast peak and lowers
 * it again after. The events (a ControlEvents) and the scaling state are kept for the gateway
 * (../control/control-server.ts).
 */
import type { ScalingStateResponse, ServiceScaling } from '@mercato/contracts';
import type { Scaler, ScalingDecision, ScalingLimits, ServiceLoad } from '../api.ts';
import { ControlEvents } from '../control/control-events.ts';
import type { HpaPort, HpaState } from './hpa-min-replicas.ts';
import type { LoadSource } from './prometheus-load.ts';

/** One service the controller looks after, from its configuration. */
export interface ControlledService {
  name: string;
  /** The HPA's name (the service's, as deploy/k8s/generate.ts names it). */
  hpa: string;
  /** Requests per second one pod answers within the latency SLO. */
  capacityRps: number;
  /** minReplicas is never set below this (the HPA's minReplicas as deployed). */
  floor: number;
}

/** Makes a service's scaler: PredictiveScaler in production, anything with the Scaler interface in tests. */
export type ScalerFactory = (limits: ScalingLimits) => Scaler;

export interface ControllerLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/** Events kept in memory: a day of busy scaling; the gateway reads them within seconds and keeps its own. */
const EVENTS_KEPT = 2_000;
/**
 * Readings kept per service to rebuild its scaler when the HPA's maxReplicas changes (the limits are
 * the scaler's, fixed at construction): two days at the 15 s step, so Holt-Winters keeps its daily season.
 */
const HISTORY_KEPT = 2 * 5_760;

interface ServiceState {
  config: ControlledService;
  scaler: Scaler | undefined;
  /** The maxReplicas the scaler was made with. */
  scalerMax: number;
  history: ServiceLoad[];
  hpa: HpaState | undefined;
  decision: ScalingDecision | undefined;
  /** Whether ScalingCapped is firing for this service. */
  capped: boolean;
}

export class HpaController {
  readonly #services: ServiceState[];
  readonly #hpas: HpaPort;
  readonly #load: LoadSource;
  readonly #scalerFor: ScalerFactory;
  readonly #log: ControllerLog;
  readonly #now: () => number;
  /** What the controller did (scaled_up/scaled_down, ScalingCapped firing/resolved), for `GET /events`. */
  readonly events: ControlEvents;
  #stepping: Promise<void> | undefined;

  constructor(options: {
    services: readonly ControlledService[];
    hpas: HpaPort;
    load: LoadSource;
    scalerFor: ScalerFactory;
    log: ControllerLog;
    now?: () => number;
    /** The event log to record into; without it the controller keeps its own, stamped by its clock. */
    events?: ControlEvents;
  }) {
    this.#services = options.services.map((config) => ({
      config,
      scaler: undefined,
      scalerMax: 0,
      history: [],
      hpa: undefined,
      decision: undefined,
      capped: false,
    }));
    this.#hpas = options.hpas;
    this.#load = options.load;
    this.#scalerFor = options.scalerFor;
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    this.events = options.events ?? new ControlEvents(undefined, { kept: EVENTS_KEPT, now: this.#now });
  }

  /** One step for every service; a step still running is joined, never overlapped. Never throws. */
  step(): Promise<void> {
    this.#stepping ??= Promise.all(this.#services.map((state) => this.#stepService(state).catch((error) => this.#failed(state, error))))
      .then(() => undefined)
      .finally(() => {
        this.#stepping = undefined;
      });
    return this.#stepping;
  }

  async #stepService(state: ServiceState): Promise<void> {
    const { config } = state;
    const now = this.#now();
    const hpa = await this.#hpas.read(config.hpa);
    state.hpa = hpa;
    const reading = await this.#load.read(config.name, hpa.currentReplicas, now);
    if (!reading.ok) {
      // No reading, no decision: the HPA keeps the minReplicas it has (and its own CPU rule).
      this.#log.warn({ service: config.name, reason: reading.reason }, 'no load reading this step: minReplicas left as it is');
      return;
    }
    state.history.push(reading.load);
    if (state.history.length > HISTORY_KEPT) state.history.splice(0, state.history.length - HISTORY_KEPT);
    const scaler = this.#scalerOf(state, hpa);
    scaler.observe(reading.load);
    // The scaler's "current" is what the controller sets, minReplicas: the pods the HPA added on its
    // own for CPU are its business, and counting them would make the controller hold them as a floor.
    const decision = scaler.decide(hpa.minReplicas, now);
    state.decision = decision;
    const target = clamp(decision.desired, config.floor, hpa.maxReplicas);
    if (target !== hpa.minReplicas) {
      await this.#hpas.setMinReplicas(config.hpa, target, hpa.resourceVersion);
      state.hpa = { ...hpa, minReplicas: target };
      this.events.record(target > hpa.minReplicas ? 'scaled_up' : 'scaled_down', config.name, {
        from: hpa.minReplicas,
        to: target,
        reason: decision.reason.slice(0, 1_000),
        target: 'hpa.minReplicas',
      });
      this.#log.info({ service: config.name, from: hpa.minReplicas, to: target, reason: decision.reason }, 'set HPA minReplicas');
    }
    // Measured against the HPA's own bound, whatever the scaler was built with.
    const capped = decision.needed > hpa.maxReplicas;
    if (capped !== state.capped) {
      state.capped = capped;
      this.events.record(capped ? 'alert_firing' : 'alert_resolved', config.name, {
        alert: 'ScalingCapped',
        needed: decision.needed,
        max: hpa.maxReplicas,
        reason: decision.reason.slice(0, 1_000),
      });
    }
  }

  /**
   * The service's scaler, made at its first reading with the HPA's bounds; made again, from the
   * readings kept, when the HPA's maxReplicas has changed since (an operator or an overlay).
   */
  #scalerOf(state: ServiceState, hpa: HpaState): Scaler {
    if (state.scaler && state.scalerMax === hpa.maxReplicas) {
      return state.scaler;
    }
    const limits: ScalingLimits = {
      min: Math.min(state.config.floor, hpa.maxReplicas),
      max: hpa.maxReplicas,
      capacityRps: state.config.capacityRps,
    };
    const rebuilt = state.scaler !== undefined;
    if (state.config.floor > hpa.maxReplicas) {
      this.#log.warn(
        { service: state.config.name, floor: state.config.floor, max: hpa.maxReplicas },
        'the configured floor is above the HPA maxReplicas: minReplicas stays at maxReplicas at most',
      );
    }
    const scaler = this.#scalerFor(limits);
    // Every reading but the newest, which the step observes itself.
    for (const load of state.history.slice(0, -1)) scaler.observe(load);
    if (rebuilt)
      this.#log.info(
        { service: state.config.name, max: hpa.maxReplicas, readings: state.history.length },
        'HPA maxReplicas changed: scaler rebuilt from the readings kept',
      );
    state.scaler = scaler;
    state.scalerMax = hpa.maxReplicas;
    return scaler;
  }

  #failed(state: ServiceState, error: unknown): void {
    const status = (error as { code?: unknown }).code;
    this.#log.warn(
      { service: state.config.name, err: error instanceof Error ? error.message : String(error), status },
      status === 409 ? 'the HPA changed while deciding: trying again next step' : 'step failed: minReplicas left as it is',
    );
  }

  /** `GET /scaling`: every service the controller looks after, as of its last decision. */
  scaling(): ScalingStateResponse {
    return { autoscaling: true, services: this.#services.map((state) => scalingOf(state)) };
  }
}

function scalingOf(state: ServiceState): ServiceScaling {
  const { config, hpa, decision } = state;
  const max = hpa?.maxReplicas ?? config.floor;
  return {
    name: config.name,
    instances: hpa?.currentReplicas ?? 0,
    desired: decision ? clamp(decision.desired, config.floor, max) : (hpa?.minReplicas ?? config.floor),
    min: Math.min(config.floor, max),
    max,
    forecast: (decision?.forecast ?? [])
      .filter((point) => Number.isFinite(point.value) && Number.isFinite(point.at))
      .map((point) => ({ at: new Date(point.at).toISOString(), value: Math.max(0, point.value) })),
    reason: decision ? decision.reason.slice(0, 1_000) : 'no load reading yet',
    decidedAt: new Date(decision?.at ?? 0).toISOString(),
  };
}

/** Within [floor, max]; max wins when the floor is above it (the API server rejects minReplicas > maxReplicas). */
export const clamp = (value: number, floor: number, max: number) => Math.min(max, Math.max(floor, Math.round(value)));
