export { catalogDefinition } from './app.ts';
