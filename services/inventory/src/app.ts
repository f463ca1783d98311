import { defineService } from '@mercato/kit';
import { Type } from 'typebox';
import { inventoryHandlers } from './handlers.ts';
import { InventoryMetrics } from './inventory-metrics.ts';
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
export function inventoryDefinition() {
  return defineService({
    name: 'inventory',
    config: InventoryConfig,
    migrations: new URL('./migrations/', import.meta.url),
    setup({ database, outbox, log, metrics }) {
      const store = new InventoryStore(database.db, outbox, new InventoryMetrics(metrics.registry));
      return { store, sweeper: new ReservationSweeper(store, log) };
    },
    subscriptions: ({ store }, { config }) => inventoryHandlers(store, config.INVENTORY_RESERVATION_TTL_SECONDS),
    routes(app, { store }, { config }) {
      stockRoutes(app, store);
      adminStockRoutes(app, store);
      reservationRoutes(app, store, config.INVENTORY_RESERVATION_TTL_SECONDS);
    },
    async beforeListen({ sweeper }, { config }) {
      sweeper.start(config.INVENTORY_SWEEP_INTERVAL_MS);
    },
    async onStop({ sweeper }) {
      await sweeper.stop();
    },
  });
}
