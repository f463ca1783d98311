import type { ServiceName } from '@mercato/kit';

/** Which service answers which public path prefix (API.md). The first match wins. */
export const ROUTE_TABLE: readonly { prefix: string; service: ServiceName }[] = [
  { prefix: '/api/auth', service: 'identity' },
  { prefix: '/api/me', service: 'identity' },
  { prefix: '/.well-known/jwks.json', service: 'identity' },
  { prefix: '/api/products', service: 'catalog' },
  { prefix: '/api/categories', service: 'catalog' },
  { prefix: '/media', service: 'catalog' },
  { prefix: '/api/inventory', service: 'inventory' },
  { prefix: '/api/cart', service: 'cart' },
  { prefix: '/api/orders', service: 'orders' },
  { prefix: '/api/admin/orders', service: 'orders' },
  { prefix: '/api/admin/payments', service: 'payments' },
  { prefix: '/api/admin/inventory', service: 'inventory' },
  { prefix: '/api/recommendations', service: 'recommendations' },
];
