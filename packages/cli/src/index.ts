export { startEmbeddedPostgres } from './postgres/embedded.ts';
export { dropServiceDatabases, provisionServiceDatabases } from './postgres/provision.ts';
export { BUSINESS_SERVICES, GATEWAY, REGISTRY } from './topology.ts';
