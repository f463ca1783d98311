import { ServiceClient, type ServiceDefinition } from '@mercato/kit';
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
export function cartDefinition(): ServiceDefinition<(typeof CartConfig)['properties']> {
  let store: CartStore | undefined;
  const current = () => {
    if (!store) throw new Error('cart store not ready');
    return store;
  };
  return {
    name: 'cart',
    config: CartConfig,
    migrations: new URL('./migrations/', import.meta.url),
    // It asks the catalog for names and prices on every add.
    discovery: true,
    subscriptions: () => cartHandlers(current),
    routes(app, { config, database, outbox, discovery, serviceTokens, log }) {
      if (!database || !outbox) throw new Error('cart needs its database');
      if (!discovery) throw new Error('cart needs discovery to find the catalog');
      store = new CartStore(database.db, config.MERCATO_CURRENCY);
      const services = new ServiceClient({ discovery, log, tokenFor: serviceTokens && ((audience) => serviceTokens.tokenFor(audience)) });
      app.addHook('onClose', () => services.close());
      cartRoutes(app, { store, outbox, catalog: new CatalogClient(services, log) });
      internalRoutes(app, { store });
    },
  };
}
