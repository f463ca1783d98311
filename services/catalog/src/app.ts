import type { ServiceDefinition } from '@mercato/kit';

/** The catalog service. Its business routes come with their own issue; for now: health, metrics, its database. */
export function catalogDefinition(): ServiceDefinition {
  return {
    name: 'catalog',
    migrations: new URL('./migrations/', import.meta.url),
  };
}
