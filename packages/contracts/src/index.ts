export * from './address.ts';
export * from './cart.ts';
export * from './catalog.ts';
export * from './envelope.ts';
export * from './identity.ts';
export * from './inventory.ts';
export * from './payments.ts';
export * from './registry.ts';
