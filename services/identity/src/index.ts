export { identityDefinition } from './app.ts';
