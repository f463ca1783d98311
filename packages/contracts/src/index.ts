export * from './envelope.ts';
export * from './registry.ts';
