/** Every business service, in the order `mercato up` starts them. */
export const SERVICE_NAMES = ['identity', 'catalog', 'inventory', 'cart', 'orders', 'payments', 'recommendations'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];
