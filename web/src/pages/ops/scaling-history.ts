import type { OpsMetrics, OpsScaling, ServiceScaling } from '../../lib/types.ts';

/**
 * What the scaling page has seen since it opened: per poll, each service's instances, desired
 * count and the requests per second it answered (from `GET /api/ops/metrics`, so the forecast has
 * the observed load to continue from). The API answers only the present; the history lives in the page.
 */
export interface ScalingHistory {
  /** Seconds since the epoch, oldest first. */
  times: number[];
  services: Record<string, ServiceTrack>;
}

export interface ServiceTrack {
  instances: (number | null)[];
  desired: (number | null)[];
  rps: (number | null)[];
}

export const EMPTY_SCALING_HISTORY: ScalingHistory = { times: [], services: {} };

/** How much history the page keeps: 120 polls, 10 minutes at one poll every 5 s. */
export const SCALING_HISTORY_POINTS = 120;

/** The history with one more poll; a service absent from this poll gets a gap, a new one gaps before. */
export function appendScaling(
  history: ScalingHistory,
  atSeconds: number,
  scaling: OpsScaling,
  metrics?: Pick<OpsMetrics, 'services'>,
): ScalingHistory {
  const keep = <T>(values: T[]) => values.slice(-SCALING_HISTORY_POINTS);
  const now = new Map(scaling.services.map((s) => [s.name, s]));
  const rps = new Map(metrics?.services.map((s) => [s.name, s.rps]) ?? []);
  const gaps = () => history.times.map(() => null);
  const services: ScalingHistory['services'] = {};
  for (const name of new Set([...Object.keys(history.services), ...now.keys()])) {
    const before = history.services[name] ?? { instances: gaps(), desired: gaps(), rps: gaps() };
    const state = now.get(name);
    services[name] = {
      instances: keep([...before.instances, state?.instances ?? null]),
      desired: keep([...before.desired, state?.desired ?? null]),
      rps: keep([...before.rps, state ? (rps.get(name) ?? null) : null]),
    };
  }
  return { times: keep([...history.times, atSeconds]), services };
}

/** One service's chart: the seen history, then the forecast past the last poll, on one time axis. */
export interface ScalingChartData {
  times: number[];
  instances: (number | null)[];
  desired: (number | null)[];
  rps: (number | null)[];
  forecast: (number | null)[];
  /** The last poll (seconds): where the history ends and the forecast goes on. */
  now: number | undefined;
}

/**
 * Lays a service's forecast after its history. The forecast line starts at the last observed
 * requests per second (so it continues the observed line) and takes only points after the last poll.
 */
export function scalingChartData(history: ScalingHistory, service: ServiceScaling): ScalingChartData {
  const track = history.services[service.name] ?? { instances: [], desired: [], rps: [] };
  const now = history.times.at(-1);
  const ahead = service.forecast
    .map((p) => ({ at: Date.parse(p.at) / 1000, value: p.value }))
    .filter((p) => Number.isFinite(p.at) && Number.isFinite(p.value) && (now === undefined || p.at > now))
    .sort((a, b) => a.at - b.at);
  const past = history.times.map(() => null);
  const future = ahead.map(() => null);
  const forecast: (number | null)[] = [...past, ...ahead.map((p) => p.value)];
  const lastRps = track.rps.at(-1);
  if (ahead.length > 0 && past.length > 0 && lastRps !== null && lastRps !== undefined) forecast[past.length - 1] = lastRps;
  return {
    times: [...history.times, ...ahead.map((p) => p.at)],
    instances: [...track.instances, ...future],
    desired: [...track.desired, ...future],
    rps: [...track.rps, ...future],
    forecast,
    now,
  };
}

/** The chart in one sentence, for people who do not see it. */
export function scalingSummary(service: ServiceScaling, history: ScalingHistory): string {
  const track = history.services[service.name];
  const seen = (track?.instances ?? []).filter((n): n is number => n !== null);
  const count = (n: number) => `${n} ${n === 1 ? 'instance' : 'instances'}`;
  const parts = [`${service.name}: ${count(service.instances)} now, ${service.desired} desired (${service.min}–${service.max})`];
  if (seen.length > 1) {
    const low = Math.min(...seen);
    const high = Math.max(...seen);
    parts.push(low === high ? `steady at ${count(low)} while this page was open` : `between ${low} and ${high} while this page was open`);
  }
  parts.push(forecastWords(service.forecast));
  return `${parts.join('; ')}.`;
}

/** A forecast in words: steady near a value (within 10%, or half a request per second), or where it peaks and when. */
function forecastWords(forecast: ServiceScaling['forecast']): string {
  const last = forecast.at(-1);
  if (!last) return 'no forecast';
  const values = forecast.map((p) => p.value);
  const low = Math.min(...values);
  const high = Math.max(...values);
  if (high - low <= Math.max(0.1 * high, 0.5)) {
    const minutes = Math.max(1, Math.round((Date.parse(last.at) - Date.parse(forecast[0]?.at ?? last.at)) / 60_000));
    return `forecast steady near ${formatRps((low + high) / 2)} for the next ${minutes} min`;
  }
  const peak = forecast.reduce((top, p) => (p.value > top.value ? p : top), last);
  return `forecast peaks at ${formatRps(peak.value)} at ${new Date(peak.at).toLocaleTimeString()}`;
}

/** `412 req/s`, `3.5 req/s`, `0.25 req/s`. */
export function formatRps(value: number): string {
  return `${value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1).replace(/\.0$/, '') : Number(value.toPrecision(2))} req/s`;
}
