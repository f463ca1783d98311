import type { ProblemType } from '@mercato/kit';

const BASE = 'https://mercato.dev/problems/catalog/';

/** The catalog service's problem types (validation of shapes and bounds is the kit's `validation`). */
export const CatalogProblems = {
  productNotFound: { type: `${BASE}product-not-found`, title: 'Product not found', status: 404 },
  slugTaken: { type: `${BASE}slug-taken`, title: 'Slug already used by another product', status: 409 },
  skuTaken: { type: `${BASE}sku-taken`, title: 'SKU already used by another product', status: 409 },
  wrongCurrency: { type: `${BASE}wrong-currency`, title: 'The shop sells in another currency', status: 400 },
  badCursor: { type: `${BASE}bad-cursor`, title: 'The cursor is not valid for this listing', status: 400 },
  badPriceRange: { type: `${BASE}bad-price-range`, title: 'minPrice is above maxPrice', status: 400 },
  servicesOnly: { type: `${BASE}services-only`, title: 'Only other services may call this route', status: 403 },
} as const satisfies Record<string, ProblemType>;
