export { freePort, isPortFree } from './free-port.ts';
export { launchPlatform, type PlatformProcess } from './platform-process.ts';
export { startEmbeddedPostgres } from './postgres/embedded.ts';
export { dropServiceDatabases, provisionServiceDatabases } from './postgres/provision.ts';
export { seedDemoStoreOnFirstStart } from './seed/first-start.ts';
export { seedOnFirstStart } from './seed/seed-on-first-start.ts';
export { type SeedProgress, type SeedResult, type SeedStoreOptions, seedStore } from './seed/seed-store.ts';
export { type SeedTargets, seedTargets } from './seed/seed-targets.ts';
export { BUSINESS_SERVICES, GATEWAY, REGISTRY } from './topology.ts';
