import type { ProblemType } from '@mercato/kit';

const BASE = 'https://mercato.dev/problems/cart/';

/** The cart service's problem types (shapes and bounds of requests are the kit's `validation`, 400). */
export const CartProblems = {
  unknownSku: { type: `${BASE}unknown-sku`, title: 'No product is sold under this SKU', status: 404 },
  notInCart: { type: `${BASE}not-in-cart`, title: 'The SKU is not in the cart', status: 404 },
  lineFull: { type: `${BASE}line-full`, title: 'A cart line holds at most 99 units', status: 409 },
  cartFull: { type: `${BASE}cart-full`, title: 'A cart holds at most 100 lines', status: 409 },
  servicesOnly: { type: `${BASE}services-only`, title: 'Only other services may call this route', status: 403 },
} as const satisfies Record<string, ProblemType>;
