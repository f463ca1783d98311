export { gatewayDefinition } from './app.ts';
export { ROUTE_TABLE } from './route-table.ts';
