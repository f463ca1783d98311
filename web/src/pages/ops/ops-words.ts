/** The console's words and colours for what the ops routes answer. */

const EVENT_KINDS: Record<string, string> = {
  alert_firing: 'Alert firing',
  alert_resolved: 'Alert resolved',
  restarted: 'Restarted',
  crash_loop: 'Crash loop',
  scaled_up: 'Scaled up',
  scaled_down: 'Scaled down',
  anomaly: 'Anomaly',
  replayed: 'Replayed',
};

/** `alert_firing` → `Alert firing`; a kind this page does not know yet is made readable the same way. */
export function eventKindText(kind: string): string {
  return EVENT_KINDS[kind] ?? readable(kind);
}

/** Whether an event kind is bad news (shown as such in words, and in colour besides). */
export function eventIsTrouble(kind: string): boolean {
  return kind === 'alert_firing' || kind === 'crash_loop' || kind === 'anomaly';
}

/** `payment_declined` → `Payment declined`. */
export function readable(word: string): string {
  const spaced = word.replaceAll('_', ' ');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

/** An event's `detail` as one line: a string as it is, an object as `name: value` pairs. */
export function detailText(detail: unknown): string {
  if (detail === null || detail === undefined) return '';
  if (typeof detail === 'string') return detail;
  if (typeof detail !== 'object') return String(detail);
  return Object.entries(detail as Record<string, unknown>)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ');
}

/**
 * A colour per service, the same on every trace and readable on white (each has at least 4.5:1
 * contrast, so it can colour text too). Errors are red and also said in words, so no service is red.
 */
const SERVICE_COLOURS: Record<string, string> = {
  gateway: '#1f5fa8',
  identity: '#6b4fa0',
  catalog: '#2f7d32',
  cart: '#8a5a00',
  orders: '#00707f',
  inventory: '#4f5db3',
  payments: '#9b3f12',
  recommendations: '#4a4a4a',
};
const SPARE_COLOURS = ['#7a5230', '#2f6b5f', '#5c4a8a', '#6a6a1f'];

export function serviceColour(service: string): string {
  const known = SERVICE_COLOURS[service];
  if (known) return known;
  let hash = 0;
  for (const char of service) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return SPARE_COLOURS[hash % SPARE_COLOURS.length] ?? '#4a4a4a';
}

/** Every kind API.md lists for `GET /api/ops/events`, in the order the filter offers them. */
export const KNOWN_EVENT_KINDS = Object.keys(EVENT_KINDS);

type Detail = Record<string, unknown>;
const text = (d: Detail, key: string): string | undefined => (typeof d[key] === 'string' && d[key] !== '' ? (d[key] as string) : undefined);
const num = (d: Detail, key: string): number | undefined =>
  typeof d[key] === 'number' && Number.isFinite(d[key]) ? (d[key] as number) : undefined;

/** `1500` → `1.5 s`, `250` → `250 ms`. */
function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  return seconds < 120 ? `${Number(seconds.toFixed(1))} s` : `${Number((seconds / 60).toFixed(1))} min`;
}

/** An instance as `catalog#2`: the supervisor may name it by number, by `catalog-2` or in full. */
function instanceName(service: string, instance: unknown): string {
  if (typeof instance === 'number') return `${service}#${instance}`;
  if (typeof instance !== 'string' || instance === '') return service;
  const numbered = new RegExp(`^${service.replace(/[^a-z0-9]/gi, '\\$&')}[-#_]?(\\d+)$`).exec(instance);
  if (numbered) return `${service}#${numbered[1]}`;
  if (/^\d+$/.test(instance)) return `${service}#${instance}`;
  return instance;
}

/** Series names an anomaly detector watches, as a reader says them. */
const SERIES_WORDS: Record<string, string> = {
  p99Ms: 'latency p99',
  p99: 'latency p99',
  latency_p99: 'latency p99',
  rps: 'requests per second',
  errorRate: 'error rate',
  error_rate: 'error rate',
  consumerLag: 'consumer lag',
  consumer_lag: 'consumer lag',
  backlog: 'bus backlog',
  eventLoopDelayP99Ms: 'event-loop delay p99',
  event_loop_delay_p99: 'event-loop delay p99',
};

/** A measured value with its unit: `480 ms`, `12.5%` for a ratio, `3.2 req/s`. */
function withUnit(value: number, unit: string | undefined): string {
  const round = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : String(Number(n.toPrecision(3))));
  if (unit === 'ratio') return `${round(value * 100)}%`;
  if (unit === '%' || unit === 'percent') return `${round(value)}%`;
  if (!unit) return round(value);
  return `${round(value)} ${unit}`;
}

/**
 * An event as one sentence an operator reads at a glance:
 * `catalog#2 restarted after it crashed (exit 1), attempt 2`,
 * `orders in a crash loop: 5 restarts in 120 s — restarts stopped`,
 * `catalog scaled 1 → 2: forecast 412 req/s…`, `Anomaly in payments latency p99: 480 ms (expected 40 ms)`.
 * A detail without the fields a kind should have is shown as `name: value` pairs instead.
 */
export function eventSentence(event: { kind: string; service: string; detail: unknown }): string {
  const { kind, service } = event;
  const d: Detail = event.detail !== null && typeof event.detail === 'object' ? (event.detail as Detail) : {};
  const fallback = () => detailText(event.detail);
  switch (kind) {
    case 'restarted': {
      const who = instanceName(service, d.instance);
      const exit = num(d, 'exitCode');
      const signal = text(d, 'signal');
      // The supervisor says `cause` (packages/cli up.ts); API.md's example says `reason`.
      const cause = text(d, 'cause') ?? text(d, 'reason');
      const how = exit !== undefined ? ` (exit ${exit})` : signal ? ` (${signal})` : '';
      const why =
        cause === 'crashed'
          ? `after it crashed${how}`
          : cause === 'unready'
            ? 'after it stopped answering its readiness check'
            : cause
              ? `(${cause})${how}`
              : how.trim();
      const attempt = num(d, 'attempt');
      const backoff = num(d, 'backoffMs');
      const parts = [`${who} restarted${why ? ` ${why}` : ''}`];
      if (attempt !== undefined) parts.push(`attempt ${attempt}`);
      if (backoff !== undefined && backoff > 0) parts.push(`after waiting ${formatDuration(backoff)}`);
      return parts.join(', ');
    }
    case 'crash_loop': {
      const who = d.instance === undefined ? service : instanceName(service, d.instance);
      const restarts = num(d, 'restarts');
      const window = num(d, 'windowSeconds');
      if (restarts === undefined) return `${who} in a crash loop — restarts stopped`;
      return `${who} in a crash loop: ${restarts} ${restarts === 1 ? 'restart' : 'restarts'}${window !== undefined ? ` in ${window} s` : ''} — restarts stopped`;
    }
    case 'scaled_up':
    case 'scaled_down': {
      const from = num(d, 'from');
      const to = num(d, 'to');
      if (from === undefined || to === undefined)
        return `${service} ${kind === 'scaled_up' ? 'scaled up' : 'scaled down'}${d.reason ? `: ${String(d.reason)}` : ''}`;
      const reason = text(d, 'reason');
      return `${service} scaled ${from} → ${to}${reason ? `: ${reason}` : ''}`;
    }
    case 'anomaly': {
      const value = num(d, 'value');
      const series = text(d, 'series');
      if (value === undefined || !series) return `Anomaly in ${service}${Object.keys(d).length > 0 ? `: ${fallback()}` : ''}`;
      const unit = text(d, 'unit');
      const expected = num(d, 'expected');
      const score = num(d, 'score');
      // A drift (the detector's slow baseline) is a level creeping up, not one reading out of line.
      const drifted = text(d, 'baseline') === 'slow';
      const around = [
        expected !== undefined ? `${drifted ? 'drifted up from' : 'expected'} ${withUnit(expected, unit)}` : undefined,
        score !== undefined ? `score ${Number(score.toFixed(1))}` : undefined,
      ].filter(Boolean);
      return `Anomaly in ${service} ${SERIES_WORDS[series] ?? series.replaceAll('_', ' ')}: ${withUnit(value, unit)}${around.length > 0 ? ` (${around.join(', ')})` : ''}`;
    }
    case 'replayed': {
      const type = text(d, 'type');
      if (!type) return `A dead letter replayed to ${service}${Object.keys(d).length > 0 ? `: ${fallback()}` : ''}`;
      const reason = text(d, 'reason');
      const id = text(d, 'id');
      // The supervisor's automatic replay says how it went (`outcome`); only a replay that did not simply happen is worth saying.
      const outcome = text(d, 'outcome');
      const how = outcome && outcome !== 'replayed' ? ` — ${outcome}` : '';
      return `${type}${id ? ` (${id.slice(-8)})` : ''} replayed to ${service}${reason ? `: ${reason}` : ''}${how}`;
    }
    case 'alert_firing':
    case 'alert_resolved': {
      const alert = text(d, 'alert');
      const summary = text(d, 'summary');
      if (!alert && !summary) return fallback();
      const severity = text(d, 'severity');
      const head = `${alert ?? 'Alert'} ${kind === 'alert_firing' ? `firing${severity ? ` (${severity})` : ''}` : 'resolved'}`;
      return summary ? `${head}: ${summary}` : head;
    }
    default:
      return fallback();
  }
}
