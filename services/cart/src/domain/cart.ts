import { createHash } from 'node:crypto';
import type { CartView } from '@mercato/contracts';

/** A cart holds at most this many lines (API.md: a 101st line → 409). */
export const MAX_LINES = 100;
/** A line holds at most this many units (API.md: a line over 99 → 409). */
export const MAX_QUANTITY = 99;

/** A line as the cart stores it: the catalog's name and unit price as last seen, and how many. */
export interface LineSnapshot {
  sku: string;
  productId: string;
  name: string;
  /** Minor units. */
  unitAmount: number;
  currency: string;
  quantity: number;
}

/** A fixed namespace for the cart ids derived from user ids (RFC 9562 name-based UUIDs). */
const CART_NAMESPACE = Buffer.from('5f0b2a9e6c1d4e8f9a3b7c2d1e0f4a6b', 'hex');

/**
 * A user's cart id: a version-5 UUID of their user id. Derived, not stored-then-read, so `GET /api/cart`
 * can answer a user who never added anything without writing a row, and the id stays the same before
 * and after the first add and after the cart is emptied.
 */
export function cartIdOf(userId: string): string {
  const hash = createHash('sha1').update(CART_NAMESPACE).update(userId, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The cart as the API shows it: line totals, subtotal and item count computed from the snapshots.
 * Amounts are integers in minor units; the catalog caps a price at 10^12, so a line (× 99) stays far
 * below 2^53 and so does any realistic subtotal.
 */
export function cartView(id: string, lines: readonly LineSnapshot[], shopCurrency: string): CartView {
  // An empty cart's subtotal is in the shop's currency; otherwise in its lines' one currency.
  const currency = lines[0]?.currency ?? shopCurrency;
  let subtotal = 0;
  let itemCount = 0;
  const shown = lines.map((line) => {
    // The catalog sells in one currency (MERCATO_CURRENCY); lines in two would make the subtotal meaningless.
    if (line.currency !== currency) throw new Error(`cart ${id} mixes currencies: ${line.sku} is in ${line.currency}, not ${currency}`);
    const lineTotal = line.unitAmount * line.quantity;
    subtotal += lineTotal;
    itemCount += line.quantity;
    return {
      sku: line.sku,
      productId: line.productId,
      name: line.name,
      unitPrice: { amount: line.unitAmount, currency },
      quantity: line.quantity,
      lineTotal: { amount: lineTotal, currency },
    };
  });
  return { id, lines: shown, subtotal: { amount: subtotal, currency }, itemCount };
}
