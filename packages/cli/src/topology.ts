import { fileURLToPath } from 'node:url';
import { SERVICE_NAMES, type ServiceName } from '@mercato/kit';

/**
 * The one place that says which processes make up Mercato, in start order: the registry first (every
 * other process registers with it), then the business services, each with its own database, then
 * the gateway, which routes to them.
 */
export interface ProcessSpec {
  name: string;
  entry: string;
  /** Whether the process owns a database that `mercato up` provisions. */
  ownsDatabase: boolean;
}

const repoRoot = new URL('../../../', import.meta.url);
const entryOf = (service: string) => fileURLToPath(new URL(`services/${service}/src/main.ts`, repoRoot));

export const REGISTRY: ProcessSpec = { name: 'registry', entry: entryOf('registry'), ownsDatabase: false };
export const BUSINESS_SERVICES: ProcessSpec[] = SERVICE_NAMES.map((name: ServiceName) => ({
  name,
  entry: entryOf(name),
  ownsDatabase: true,
}));
export const GATEWAY: ProcessSpec = { name: 'gateway', entry: entryOf('gateway'), ownsDatabase: false };
