export { cartDefinition } from './app.ts';
