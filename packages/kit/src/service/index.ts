export { databaseUrlVariable } from './database-url-variable.ts';
export * from './definition.ts';
export { createService } from './service.ts';
