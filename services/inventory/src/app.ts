import type { ServiceDefinition } from '@mercato/kit';
import { Type } from 'typebox';
import { inventoryHandlers } from './handlers.ts';
import { ReservationSweeper } from './reservation-sweeper.ts';
import { adminStockRoutes } from './routes/admin-stock.routes.ts';
import { reservationRoutes } from './routes/reservations.routes.ts';
import { stockRoutes } from './routes/stock.routes.ts';
import { InventoryStore } from './store.ts';

const InventoryConfig = Type.Object({
  /** How long a reservation holds stock without a commit (the saga's deadline). */
  INVENTORY_RESERVATION_TTL_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 120 }),
  INVENTORY_SWEEP_INTERVAL_MS: Type.Integer({ minimum: 50, maximum: 600_000, default: 5_000 }),
});

/** Inventory: stock per SKU and the reservations that hold it for orders. */
export function inventoryDefinition(): ServiceDefinition<(typeof InventoryConfig)['properties']> {
  let store: InventoryStore | undefined;
  let sweeper: ReservationSweeper | undefined;
  const current = () => {
    if (!store) throw new Error('inventory store not ready');
    return store;
  };
  return {
    name: 'inventory',
    config: InventoryConfig,
    migrations: new URL('./migrations/', import.meta.url),
    subscriptions: ({ config, outbox }) => inventoryHandlers(current, outbox, config.INVENTORY_RESERVATION_TTL_SECONDS),
    routes(app, { database, outbox, config, log }) {
      if (!database || !outbox) throw new Error('inventory needs its database');
      store = new InventoryStore(database.db, outbox);
      sweeper = new ReservationSweeper(store, log);
      stockRoutes(app, store);
      adminStockRoutes(app, store);
      reservationRoutes(app, store, config.INVENTORY_RESERVATION_TTL_SECONDS);
    },
    async beforeListen({ config }) {
      sweeper?.start(config.INVENTORY_SWEEP_INTERVAL_MS);
    },
    async onStop() {
      await sweeper?.stop();
    },
  };
}
