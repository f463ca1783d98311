import type { ServiceDefinition } from '@mercato/kit';

/** The identity service. Its business routes come with their own issue; for now: health, metrics, its database. */
export function identityDefinition(): ServiceDefinition {
  return {
    name: 'identity',
    migrations: new URL('./migrations/', import.meta.url),
  };
}
