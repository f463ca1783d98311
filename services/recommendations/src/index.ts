export { recommendationsDefinition } from './app.ts';
