import type { ProblemType } from '@mercato/kit';

const BASE = 'https://mercato.dev/problems/orders/';

export const OrderProblems = {
  orderNotFound: { type: `${BASE}order-not-found`, title: 'Order not found', status: 404 },
  emptyCart: { type: `${BASE}empty-cart`, title: 'The cart is empty', status: 409 },
  unavailableProduct: { type: `${BASE}unavailable-product`, title: 'A product in the cart is no longer sold', status: 409 },
  keyReused: {
    type: `${BASE}idempotency-key-reused`,
    title: 'This Idempotency-Key was used with another request',
    status: 422,
  },
  unknownPaymentToken: { type: `${BASE}unknown-payment-token`, title: 'The payment token is not one the provider accepts', status: 400 },
  notCancellable: { type: `${BASE}not-cancellable`, title: 'The order can no longer be cancelled', status: 409 },
  notShippable: { type: `${BASE}not-shippable`, title: 'Only a confirmed order can be shipped', status: 409 },
  badCursor: { type: `${BASE}bad-cursor`, title: 'The cursor is not valid for this listing', status: 400 },
  wrongCurrency: { type: `${BASE}wrong-currency`, title: 'A price is not in the shop currency', status: 409 },
} as const satisfies Record<string, ProblemType>;
