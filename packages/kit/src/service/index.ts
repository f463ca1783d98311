export { databaseUrlVariable } from './database-url-variable.ts';
export * from './definition.ts';
export { createEmbeddedApp, type EmbeddedApp, type RouteKey } from './embedded-app.ts';
export { createService } from './service.ts';
