/** A line of a reservation. */
export interface Line {
  sku: string;
  quantity: number;
}

export type ReservationStatus = 'held' | 'committed' | 'released' | 'expired' | 'failed';

/**
 * Lines merged per SKU and sorted by SKU: every transaction locks stock rows in this one order, so
 * two reservations over the same SKUs never wait on each other in a cycle (no deadlock).
 */
export function normaliseLines(lines: readonly Line[]): Line[] {
  const bySku = new Map<string, number>();
  for (const line of lines) bySku.set(line.sku, (bySku.get(line.sku) ?? 0) + line.quantity);
  return [...bySku].map(([sku, quantity]) => ({ sku, quantity })).sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
}

/** True when a change of available stock crosses the low-stock threshold downwards. */
export function crossedLow(before: number, after: number, threshold: number): boolean {
  return before > threshold && after <= threshold;
}
