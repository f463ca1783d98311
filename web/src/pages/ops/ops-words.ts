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
