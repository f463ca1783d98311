export { registryDefinition } from './app.ts';
