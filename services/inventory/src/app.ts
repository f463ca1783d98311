import type { ServiceDefinition } from '@mercato/kit';

/** The inventory service. Its business routes come with their own issue; for now: health, metrics, its database. */
export function inventoryDefinition(): ServiceDefinition {
  return {
    name: 'inventory',
    migrations: new URL('./migrations/', import.meta.url),
  };
}
