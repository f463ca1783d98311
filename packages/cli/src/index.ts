export { freePort, isPortFree } from './free-port.ts';
export { launchPlatform, type PlatformProcess } from './platform-process.ts';
export { startEmbeddedPostgres } from './postgres/embedded.ts';
export { dropServiceDatabases, provisionServiceDatabases } from './postgres/provision.ts';
export { BUSINESS_SERVICES, GATEWAY, REGISTRY } from './topology.ts';
