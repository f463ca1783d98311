import type { ServiceDefinition } from '@mercato/kit';

/** The payments service. Its business routes come with their own issue; for now: health, metrics, its database. */
export function paymentsDefinition(): ServiceDefinition {
  return {
    name: 'payments',
    migrations: new URL('./migrations/', import.meta.url),
  };
}
