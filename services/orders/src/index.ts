export { ordersDefinition } from './app.ts';
