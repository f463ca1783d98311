export { paymentsDefinition } from './app.ts';
