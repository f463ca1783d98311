import { fileURLToPath } from 'node:url';
import { type ProcessEntry, type ProcessRole, processesOf } from '@mercato/contracts/topology';

/**
 * The processes `mercato up` runs, from the topology (`@mercato/contracts`), each with the file it
 * starts: `services/<name>/src/main.ts`. The roles are the start phases: the registry, then every
 * business service together, then the gateway; they stop in reverse.
 */
export interface ProcessSpec extends ProcessEntry {
  entry: string;
}

const repoRoot = new URL('../../../', import.meta.url);
const specOf = (process: ProcessEntry): ProcessSpec => ({
  ...process,
  entry: fileURLToPath(new URL(`services/${process.name}/src/main.ts`, repoRoot)),
});

function theOne(role: ProcessRole): ProcessSpec {
  const [process, ...more] = processesOf(role);
  if (!process || more.length > 0) throw new Error(`the topology (packages/contracts/src/topology.ts) must have exactly one ${role}`);
  return specOf(process);
}

export const REGISTRY: ProcessSpec = theOne('registry');
export const BUSINESS_SERVICES: ProcessSpec[] = processesOf('service').map(specOf);
/** The gateway, on the port its variable says: the shop's address. */
export const GATEWAY = withPort(theOne('gateway'));
/** Every process, in start order. */
export const ALL_PROCESSES: ProcessSpec[] = [REGISTRY, ...BUSINESS_SERVICES, GATEWAY];

function withPort(spec: ProcessSpec): ProcessSpec & Required<Pick<ProcessSpec, 'port'>> {
  const { port } = spec;
  if (!port) throw new Error(`the topology must give ${spec.name} a port: it is the shop's address`);
  return { ...spec, port };
}
