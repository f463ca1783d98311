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

export function formatTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
