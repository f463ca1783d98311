import { minorPerMajor } from '../../lib/money.ts';
import type { OpsMetrics } from '../../lib/types.ts';

/**
 * What the console has seen since it opened: one point per poll of `GET /api/ops/metrics`, by key
 * (`rps/orders`, `orders/placed`, `cancelled/out_of_stock`, `revenue/USD`, `saga/reserve`…). The API
 * answers the last minute only; the charts' history lives in the page.
 */
export interface MetricsHistory {
  /** Seconds since the epoch, oldest first. */
  times: number[];
  values: Record<string, (number | null)[]>;
}

export const EMPTY_HISTORY: MetricsHistory = { times: [], values: {} };

/** How much history the charts keep: 200 polls, 10 minutes at one poll every 3 s. */
export const HISTORY_POINTS = 200;

/**
 * Counts by reason or currency that a minute without any leaves out: absent means 0 while the
 * business figures are reported (a p99 that is absent means no data, and stays a gap).
 */
const ZERO_WHEN_ABSENT = ['cancelled/', 'revenue/'];
const BUSINESS_PRESENT = 'orders/placed';

/** One poll's answer as flat figures. Revenue is in major units (dollars, not cents), as a chart reads it. */
export function sampleOf(metrics: OpsMetrics): Record<string, number> {
  const sample: Record<string, number> = {};
  for (const s of metrics.services) {
    sample[`rps/${s.name}`] = s.rps;
    sample[`p99/${s.name}`] = s.p99Ms;
  }
  const business = metrics.business;
  if (!business) return sample;
  sample['orders/placed'] = business.ordersPlaced;
  sample['orders/confirmed'] = business.ordersConfirmed;
  const cancelled = Object.entries(business.ordersCancelled ?? {});
  sample['orders/cancelled'] = cancelled.reduce((sum, [, n]) => sum + n, 0);
  for (const [reason, n] of cancelled) sample[`cancelled/${reason}`] = n;
  for (const money of business.revenueConfirmed ?? []) {
    const key = `revenue/${money.currency}`;
    sample[key] = (sample[key] ?? 0) + money.amount / minorPerMajor(money.currency);
  }
  sample['failures/payment declines'] = business.paymentDeclines;
  sample['failures/reservation failures'] = business.reservationFailures;
  for (const [step, ms] of Object.entries(business.sagaStepP99Ms ?? {})) sample[`saga/${step}`] = ms;
  return sample;
}

/** The history with one more point; a key seen before but not now gets a gap (or 0, see ZERO_WHEN_ABSENT), a new key gaps before. */
export function appendSample(history: MetricsHistory, atSeconds: number, sample: Record<string, number>): MetricsHistory {
  const keep = <T>(values: T[]) => values.slice(-HISTORY_POINTS);
  const businessNow = sample[BUSINESS_PRESENT] !== undefined;
  const businessBefore = history.values[BUSINESS_PRESENT];
  const values: MetricsHistory['values'] = {};
  for (const key of new Set([...Object.keys(history.values), ...Object.keys(sample)])) {
    const zeroable = ZERO_WHEN_ABSENT.some((prefix) => key.startsWith(prefix));
    const before: (number | null)[] =
      history.values[key] ??
      history.times.map((_, i) => (zeroable && businessBefore?.[i] !== null && businessBefore?.[i] !== undefined ? 0 : null));
    const now = sample[key] ?? (zeroable && businessNow ? 0 : null);
    values[key] = keep([...before, now]);
  }
  return { times: keep([...history.times, atSeconds]), values };
}

/** The series under `prefix` (`rps/` → one per service), in `order` first and then by name. */
export function seriesUnder(history: MetricsHistory, prefix: string, order: string[] = []): { name: string; values: (number | null)[] }[] {
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length);
  return Object.keys(history.values)
    .filter((key) => key.startsWith(prefix))
    .map((key) => ({ name: key.slice(prefix.length), values: history.values[key] ?? [] }))
    .sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}
