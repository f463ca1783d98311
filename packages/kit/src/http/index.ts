export * from './circuit-breaker.ts';
export { setAlwaysHeaders } from './framework-errors.ts';
export { queryDecodes } from './input-rules.ts';
export * from './instance-picker.ts';
export * from './internal-tls.ts';
export * from './service-client.ts';
export * from './upstream-errors.ts';
