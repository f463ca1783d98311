import type { Scaler, ScalingLimits } from '../../../packages/autoscaler/src/api.ts';

export interface ServiceModel {
  stepMs: number;
  /** Requests per second one instance answers with p99 at the SLO. */
  capacityRps: number;
  /** Time from asking for an instance to its serving (start ~2–3 s measured, plus registration and readiness). */
  startDelayMs: number;
  sloP99Ms: number;
  /** p99 of an idle instance. */
  idleP99Ms: number;
  /** Clients give up after this long in the queue; what is left is dropped. */
  clientTimeoutMs: number;
}

export interface RunFigures {
  secondsOverSlo: number;
  instanceMinutes: number;
  maxInstances: number;
  scaleChanges: number;
  droppedRequests: number;
  p99Worst: number;
}

/**
 * The latency model: p99 = idle p99 / (1 − ρ) with ρ the utilisation of the instances' service
 * rate (the M/M/1 response time is exponential with mean 1/(μ − λ), so every percentile grows as
 * 1/(1 − ρ)), plus the time to drain a backlog when the load is above what the instances serve.
 * The service rate μ per instance is set so p99 meets the SLO exactly at capacityRps:
 * ρ_slo = 1 − idle/SLO (0.9 for 30 ms and 300 ms), μ = capacityRps / ρ_slo.
 */
export function p99Ms(model: ServiceModel, offeredRps: number, ready: number, backlog: number): number {
  const mu = serviceRate(model);
  if (ready === 0) return model.clientTimeoutMs;
  const rho = Math.min(0.99, offeredRps / (ready * mu));
  return Math.min(model.clientTimeoutMs, model.idleP99Ms / (1 - rho) + (1000 * backlog) / (ready * mu));
}

export function serviceRate(model: ServiceModel): number {
  return model.capacityRps / (1 - model.idleP99Ms / model.sloP99Ms);
}

/**
 * Replays `trace` (offered req/s per step) against a service whose instance count `scaler` decides.
 * Each step: the ready instances serve what they can (the rest waits, and is dropped after the
 * client timeout), the scaler reads what was answered, CPU (answered / μ, a core per saturated
 * instance) and event-loop delay (the queueing part of p99), and its decision is applied: new
 * instances serve after the start delay, removed ones (the starting first) go at once.
 */
export function simulate(trace: Float64Array, scaler: Scaler, limits: ScalingLimits, model: ServiceModel): RunFigures {
  const dt = model.stepMs / 1000;
  const mu = serviceRate(model);
  let ready = limits.min;
  let starting: number[] = []; // when each starting instance is ready
  let backlog = 0;
  const figures: RunFigures = {
    secondsOverSlo: 0,
    instanceMinutes: 0,
    maxInstances: ready,
    scaleChanges: 0,
    droppedRequests: 0,
    p99Worst: 0,
  };
  for (let i = 0; i < trace.length; i++) {
    const now = i * model.stepMs;
    ready += starting.filter((at) => at <= now).length;
    starting = starting.filter((at) => at > now);
    const offered = trace[i] as number;
    const capacity = ready * mu * dt;
    const served = Math.min(offered * dt + backlog, capacity);
    backlog += offered * dt - served;
    const maxBacklog = ready * mu * (model.clientTimeoutMs / 1000);
    if (backlog > maxBacklog) {
      figures.droppedRequests += backlog - maxBacklog;
      backlog = maxBacklog;
    }
    const p99 = p99Ms(model, offered, ready, backlog);
    if (p99 > model.sloP99Ms) figures.secondsOverSlo += dt;
    figures.p99Worst = Math.max(figures.p99Worst, p99);
    const running = ready + starting.length;
    figures.instanceMinutes += (running * dt) / 60;

    const answered = served / dt;
    scaler.observe({
      at: now,
      rps: answered,
      instances: ready,
      cpuCores: answered / mu,
      eventLoopDelayP99Ms: Math.max(0, p99 - model.idleP99Ms),
    });
    const { desired } = scaler.decide(running, now);
    if (desired === running) continue;
    figures.scaleChanges += 1;
    if (desired > running) for (let k = running; k < desired; k++) starting.push(now + model.startDelayMs);
    else {
      let remove = running - desired;
      const fromStarting = Math.min(remove, starting.length);
      starting = starting.slice(0, starting.length - fromStarting);
      remove -= fromStarting;
      ready -= remove;
    }
    figures.maxInstances = Math.max(figures.maxInstances, desired);
  }
  return figures;
}
