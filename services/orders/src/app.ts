import { SANDBOX_TEST_TOKENS } from '@mercato/contracts';
import { ConfigError, DataCipher, defineService } from '@mercato/kit';
import { Type } from 'typebox';
import { CheckoutMetrics } from './checkout-metrics.ts';
import { parseRates } from './domain/shipping.ts';
import { ordersHandlers } from './handlers.ts';
import { OrderWatch } from './order-watch.ts';
import { adminRoutes } from './routes/admin.routes.ts';
import { internalRoutes } from './routes/internal.routes.ts';
import { orderRoutes } from './routes/orders.routes.ts';
import { CheckoutSaga } from './saga.ts';
import { SagaSweeper } from './saga-sweeper.ts';
import { OrderStore } from './store.ts';
import { Upstreams } from './upstreams.ts';

const OrdersConfig = Type.Object({
  /** Base64 32-byte AES keys, comma separated, the first one current (shipping addresses at rest). `mercato up` generates one into the data dir. */
  MERCATO_DATA_KEY: Type.String({ minLength: 44 }),
  MERCATO_CURRENCY: Type.String({ pattern: '^[A-Z]{3}$', default: 'USD' }),
  /** Shipping per destination country in minor units, `*` for the rest of the world. */
  ORDERS_SHIPPING_RATES: Type.String({ default: '{"US":499,"CA":999,"*":1499}' }),
  /** Subtotals from this amount on ship free; 0 turns free shipping off. */
  ORDERS_FREE_SHIPPING_FROM: Type.Integer({ minimum: 0, default: 5000 }),
  /**
   * Each saga step's deadline. Longer than the bus takes to hand a command whose consumer died
   * mid-handling to another instance (pg-boss: the 10 s heartbeat lapses, supervision every 5 s, a
   * retry delay; NATS: 5 s ack wait), so a killed payments or inventory instance delays a checkout
   * instead of cancelling it (`npm run bench -- chaos`: 10 s cancelled 4–8 orders a run as `expired`).
   */
  ORDERS_STEP_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 30_000 }),
  ORDERS_SWEEP_INTERVAL_MS: Type.Integer({ minimum: 50, maximum: 600_000, default: 1_000 }),
  /** `sandbox`: only the sandbox provider's test tokens are accepted at placement; `any`: a real provider validates them. */
  ORDERS_PAYMENT_TOKENS: Type.Union([Type.Literal('sandbox'), Type.Literal('any')], { default: 'sandbox' }),
});

/** Orders: placing an order from the cart and the checkout saga that takes it to confirmed or cancelled. */
export function ordersDefinition() {
  return defineService({
    name: 'orders',
    config: OrdersConfig,
    migrations: new URL('./migrations/', import.meta.url),
    discovery: true,
    setup({ database, outbox, config, log, metrics, serviceClient }) {
      const rates = parseRates(config.ORDERS_SHIPPING_RATES);
      if (!rates) {
        throw new ConfigError('ORDERS_SHIPPING_RATES', 'must be a JSON object of country code (or *) to an amount in minor units');
      }
      const store = new OrderStore(database.db, DataCipher.fromKeyList(config.MERCATO_DATA_KEY));
      const saga = new CheckoutSaga(store, outbox, {
        stepTimeoutMs: config.ORDERS_STEP_TIMEOUT_MS,
        reservationTtlSeconds: Math.ceil((config.ORDERS_STEP_TIMEOUT_MS * 6) / 1000),
        metrics: new CheckoutMetrics({
          registry: metrics.registry,
          currency: config.MERCATO_CURRENCY,
          oldestStepAgeSeconds: () => store.oldestStepAgeSeconds(),
          // The kit's bus gauges read the outbox on one pooled connection per scrape; reading after them
          // reuses it, where reading alongside would keep a second idle backend open (scrapes come every 5 s).
          before: async () => metrics.registry.getSingleMetric('mercato_outbox_backlog')?.get(),
        }),
      });
      const watch = new OrderWatch({ connectionString: database.pool.options.connectionString, log });
      return { store, saga, outbox, rates, watch, upstreams: new Upstreams(serviceClient()), sweeper: new SagaSweeper(store, saga, log) };
    },
    subscriptions: ({ saga }) => ordersHandlers(saga),
    routes(app, { store, saga, outbox, rates, upstreams, watch }, { config, log }) {
      const sandboxTokens = new Set<string>(SANDBOX_TEST_TOKENS);
      orderRoutes(app, {
        store,
        saga,
        upstreams,
        watch,
        shipping: { rates, freeFrom: config.ORDERS_FREE_SHIPPING_FROM },
        currency: config.MERCATO_CURRENCY,
        log,
        acceptsToken: (token) => config.ORDERS_PAYMENT_TOKENS === 'any' || sandboxTokens.has(token),
      });
      adminRoutes(app, { store, outbox });
      internalRoutes(app, { store });
    },
    async beforeListen({ sweeper, watch }, { config }) {
      await watch.start();
      sweeper.start(config.ORDERS_SWEEP_INTERVAL_MS);
    },
    async onStop({ sweeper, watch }) {
      await watch.stop();
      await sweeper.stop();
    },
  });
}
