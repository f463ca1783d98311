import { type NameOfRole, processesOf } from '@mercato/contracts';

/** Every business service (the topology's `service` role), in the order `mercato up` starts them. */
export const SERVICE_NAMES: readonly ServiceName[] = processesOf('service').map((entry) => entry.name);
export type ServiceName = NameOfRole<'service'>;
