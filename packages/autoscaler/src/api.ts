export * from './domain/api.ts';
