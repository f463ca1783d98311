import type { OrderStatus } from './types.ts';

export const STATUS_LABEL: Record<OrderStatus, string> = {
  pending: 'Processing',
  confirmed: 'Confirmed',
  shipped: 'Shipped',
  cancelled: 'Cancelled',
};

/** Why an order was cancelled, in words a shopper understands (API.md's cancelReason). */
export function cancellationText(reason: string | undefined): string {
  switch (reason) {
    case 'payment_declined':
      return 'Your card was declined, so we cancelled the order and nothing was charged. We put the items back in your cart: you can try another card.';
    case 'payment_failed':
      return 'We could not reach your card’s bank, so we cancelled the order and nothing was charged. The items are back in your cart: please try again.';
    case 'out_of_stock':
      return 'Some items sold out before we could set them aside for you, so we cancelled the order. Nothing was charged.';
    case 'customer_request':
      return 'This order was cancelled on request. Any payment taken has been refunded.';
    case 'expired':
      return 'We could not complete this order in time, so we cancelled it. Nothing was charged.';
    default:
      return 'This order was cancelled.';
  }
}

/** A step of an order's history (API.md: `{ status, at, detail? }`), as a shopper reads it. */
export function historyText(entry: { status: string; detail?: string }): string {
  switch (entry.detail) {
    case 'placed':
      return 'Order placed';
    case 'stock reserved':
      return 'Items set aside for you';
    case 'payment authorized':
      return 'Card authorised';
    case 'stock committed':
      return 'Items packed into your order';
    case 'payment captured':
      return 'Payment taken: order confirmed';
  }
  if (entry.status === 'cancelled') return 'Cancelled';
  if (entry.status === 'shipped') return 'Shipped';
  // A step this page has no words for yet: the service's own, made readable (`payment declined` → `Payment declined`).
  if (entry.detail && /^[a-z ]+$/.test(entry.detail)) return entry.detail.charAt(0).toUpperCase() + entry.detail.slice(1);
  return STATUS_LABEL[entry.status as OrderStatus] ?? entry.status;
}

const PAYMENT_WORDS: Record<string, string> = {
  pending: 'not charged yet',
  authorized: 'authorised, not charged yet',
  captured: 'paid',
  voided: 'released, not charged',
  refunded: 'refunded',
  declined: 'declined',
  failed: 'failed',
};

/** `{ status: 'captured', brand: 'visa', last4: '4242' }` → `Visa •••• 4242, paid`. */
export function paymentText(payment: { status: string; brand?: string; last4?: string }): string {
  const card = payment.brand ? `${payment.brand.charAt(0).toUpperCase()}${payment.brand.slice(1)} •••• ${payment.last4 ?? ''}` : 'Card';
  return `${card}, ${PAYMENT_WORDS[payment.status] ?? payment.status}`;
}

export function countryName(code: string): string {
  try {
    return new Intl.DisplayNames(undefined, { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}

export function formatTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
