import { processesOf } from '@mercato/contracts';
import type { ServiceName } from '@mercato/kit';

/**
 * Which service answers which public path prefix (API.md), from the topology's `publicPrefixes`.
 * No prefix lies below another (the topology's tests check it), so the order of the table is no rule.
 */
export const ROUTE_TABLE: readonly { prefix: string; service: ServiceName }[] = processesOf('service').flatMap(({ name, publicPrefixes }) =>
  publicPrefixes.map((prefix) => ({ prefix, service: name })),
);
