import type { ServiceDefinition } from '@mercato/kit';

/** The orders service. Its business routes come with their own issue; for now: health, metrics, its database. */
export function ordersDefinition(): ServiceDefinition {
  return {
    name: 'orders',
    migrations: new URL('./migrations/', import.meta.url),
  };
}
