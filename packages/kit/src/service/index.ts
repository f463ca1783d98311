export * from './definition.ts';
export { createService } from './service.ts';
export { databaseUrlVariable } from './service-config.ts';
