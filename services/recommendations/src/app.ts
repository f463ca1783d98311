import { defineService } from '@mercato/kit';

/** The recommendations service. Its business routes come with their own issue; for now: health, metrics, its database. */
export function recommendationsDefinition() {
  return defineService({
    name: 'recommendations',
    migrations: new URL('./migrations/', import.meta.url),
  });
}
