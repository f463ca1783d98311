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

/** Why an order's cancellation puts its lines back into the cart (API.md): only a failed payment, so the shopper can try another card. */
export function restoresCart(reason: string): boolean {
  return reason === 'payment_declined' || reason === 'payment_failed';
}

/** What the cart knows of a product from catalog events (`catalog_products`); absent fields no event carried. */
export interface KnownProduct {
  archived: boolean;
  name?: string;
  unitAmount?: number;
  currency?: string;
}

export type DropReason = 'line_full' | 'cart_full' | 'archived';

/** The decision of `planRestore`: what to add, and what is left out and why. */
export interface Restoration {
  /** Units to add per SKU (`quantity`), in the order's order; each fits the cart's limits. For a SKU the cart holds, only the quantity is used. */
  add: LineSnapshot[];
  /** Units that do not fit, per SKU: never an error, the shopper just gets less back. */
  dropped: { sku: string; quantity: number; reason: DropReason }[];
}

/**
 * Which quantities of a cancelled order's lines go back into a cart holding `current`: each added to
 * what is there, a line capped at MAX_QUANTITY, new lines only while the cart holds fewer than
 * MAX_LINES; the rest dropped. A product the catalog archived meanwhile is dropped (its delete event
 * already emptied it from every cart, and it can be neither added nor ordered). A new line takes the
 * newest name and price the cart knows: a catalog event handled since the order was placed beats the
 * order's snapshot, and events not handled yet will update the line when they are.
 */
export function planRestore(
  current: readonly { sku: string; quantity: number }[],
  lines: readonly LineSnapshot[],
  known: ReadonlyMap<string, KnownProduct> = new Map(),
): Restoration {
  const quantities = new Map(current.map((line) => [line.sku, line.quantity]));
  const add = new Map<string, LineSnapshot>();
  const dropped: Restoration['dropped'] = [];
  for (const line of lines) {
    const product = known.get(line.productId);
    if (product?.archived) {
      dropped.push({ sku: line.sku, quantity: line.quantity, reason: 'archived' });
      continue;
    }
    const held = quantities.get(line.sku);
    if (held === undefined && quantities.size >= MAX_LINES) {
      dropped.push({ sku: line.sku, quantity: line.quantity, reason: 'cart_full' });
      continue;
    }
    const fits = Math.max(0, Math.min(line.quantity, MAX_QUANTITY - (held ?? 0)));
    if (fits < line.quantity) dropped.push({ sku: line.sku, quantity: line.quantity - fits, reason: 'line_full' });
    if (fits === 0) continue;
    quantities.set(line.sku, (held ?? 0) + fits);
    const planned = add.get(line.sku);
    if (planned) {
      planned.quantity += fits;
      continue;
    }
    add.set(line.sku, {
      sku: line.sku,
      productId: line.productId,
      name: product?.name ?? line.name,
      unitAmount: product?.unitAmount ?? line.unitAmount,
      currency: product?.currency ?? line.currency,
      quantity: fits,
    });
  }
  return { add: [...add.values()], dropped };
}
