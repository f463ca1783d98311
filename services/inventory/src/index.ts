export { inventoryDefinition } from './app.ts';
