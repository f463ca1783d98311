import type { HttpApp } from '@mercato/kit';
import { Type } from 'typebox';
import { sendCacheable } from '../http-cache.ts';
import type { CatalogStore } from '../store.ts';

const NoQuery = Type.Object({}, { additionalProperties: false });

/** Counts may be a second old, like listings (API.md). */
const CATEGORIES_CACHE = 'public, max-age=1';

export function categoryRoutes(app: HttpApp, deps: { store: CatalogStore }): void {
  /** All categories at once (there are few), each with how many listed products it has. */
  app.get('/api/categories', { schema: { querystring: NoQuery } }, async (request, reply) => {
    const rows = await deps.store.categories();
    const items = rows.map((row) => ({ slug: row.slug, name: row.name, productCount: row.product_count }));
    return sendCacheable(request, reply, { items, nextCursor: null }, CATEGORIES_CACHE);
  });
}
