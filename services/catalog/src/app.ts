import { ConfigError, defineService } from '@mercato/kit';
import { Type } from 'typebox';
import { categoryRoutes } from './routes/categories.routes.ts';
import { internalRoutes } from './routes/internal.routes.ts';
import { mediaRoutes } from './routes/media.routes.ts';
import { productRoutes } from './routes/products.routes.ts';
import { CatalogStore } from './store.ts';

const CatalogConfig = Type.Object({
  /** The one currency the shop sells in (ISO 4217); prices in any other are refused. */
  MERCATO_CURRENCY: Type.String({ pattern: '^[A-Z]{3}$', default: 'USD' }),
  /**
   * Origins (`https://shop.example`) allowed in absolute image URLs, comma separated. Images are on the
   * shop itself (API.md); relative paths (`/images/x.jpg`) are always accepted.
   */
  CATALOG_IMAGE_ORIGINS: Type.String({ default: '' }),
});

/** Catalog: products (one SKU each), prices, categories and the search index over them. */
export function catalogDefinition() {
  return defineService({
    name: 'catalog',
    config: CatalogConfig,
    migrations: new URL('./migrations/', import.meta.url),
    setup: ({ config, database, outbox }) => ({
      store: new CatalogStore(database.db, outbox),
      currency: config.MERCATO_CURRENCY,
      imageOrigins: imageOriginsOf(config.CATALOG_IMAGE_ORIGINS),
    }),
    routes(app, { store, currency, imageOrigins }) {
      productRoutes(app, { store, currency, imageOrigins });
      categoryRoutes(app, { store });
      internalRoutes(app, { store });
      mediaRoutes(app, { store });
    },
  });
}

function imageOriginsOf(list: string): Set<string> {
  const origins = new Set<string>();
  for (const entry of list.split(',').map((origin) => origin.trim())) {
    if (!entry) continue;
    const url = URL.parse(entry);
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      throw new ConfigError(
        'CATALOG_IMAGE_ORIGINS',
        `must list http(s) origins such as https://shop.example (got ${JSON.stringify(entry)})`,
      );
    }
    origins.add(url.origin);
  }
  return origins;
}
