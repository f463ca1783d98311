import type { ServiceDefinition } from '@mercato/kit';

/** The cart service. Its business routes come with their own issue; for now: health, metrics, its database. */
export function cartDefinition(): ServiceDefinition {
  return {
    name: 'cart',
    migrations: new URL('./migrations/', import.meta.url),
  };
}
