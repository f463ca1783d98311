import { defineService } from '@mercato/kit';
import { Type } from 'typebox';
import { CatalogClient } from './catalog-client.ts';
import { cartHandlers } from './handlers.ts';
import { cartRoutes } from './routes/cart.routes.ts';
import { internalRoutes } from './routes/internal.routes.ts';
import { CartStore } from './store.ts';

const CartConfig = Type.Object({
  /** The shop's currency (ISO 4217): an empty cart's subtotal is in it; lines carry the catalog's. */
  MERCATO_CURRENCY: Type.String({ pattern: '^[A-Z]{3}$', default: 'USD' }),
});

/** Cart: one cart per signed-in user, its lines with the catalog's names and prices as last seen. */
export function cartDefinition() {
  return defineService({
    name: 'cart',
    config: CartConfig,
    migrations: new URL('./migrations/', import.meta.url),
    // It asks the catalog for names and prices on every add.
    discovery: true,
    setup: ({ config, database, outbox, log, serviceClient }) => ({
      store: new CartStore(database.db, config.MERCATO_CURRENCY, outbox),
      catalog: new CatalogClient(serviceClient(), log),
    }),
    subscriptions: ({ store }) => cartHandlers(store),
    routes(app, { store, catalog }) {
      cartRoutes(app, { store, catalog });
      internalRoutes(app, { store });
    },
  });
}
