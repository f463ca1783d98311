import { ConfigError, defineService } from '@mercato/kit';
import { Type } from 'typebox';
import { paymentsHandlers } from './handlers.ts';
import { type PaymentTokenSource, tokensFromOrders } from './order-tokens.ts';
import { PaymentWorker } from './payment-worker.ts';
import type { PaymentProvider } from './providers/payment-provider.ts';
import { selectProvider } from './providers/select-provider.ts';
import { paymentRoutes } from './routes/payments.routes.ts';
import { PaymentsStore } from './store.ts';

const PaymentsConfig = Type.Object({
  /** Which adapter talks to the payment provider (providers/select-provider.ts). */
  PAYMENTS_PROVIDER: Type.Union([Type.Literal('sandbox')], { default: 'sandbox' }),
  /** The sandbox's answer time (API.md; a platform-wide name, read here like any other variable). */
  MERCATO_SANDBOX_DELAY_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 100 }),
  /** One provider call's bound before it counts as failed and is retried. */
  PAYMENTS_PROVIDER_TIMEOUT_MS: Type.Integer({ minimum: 10, maximum: 60_000, default: 2_000 }),
  /**
   * Provider calls in flight at once per instance. The checkout aim is 200 orders/s, each an
   * authorize and a capture of 100 ms: about 40 calls in flight; 64 leaves room for bursts and retries.
   */
  PAYMENTS_PROVIDER_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 1_000, default: 64 }),
  /** The worker's poll under its NOTIFY wake-up: picks up steps a dead instance left once their lease ran out. */
  PAYMENTS_WORKER_POLL_MS: Type.Integer({ minimum: 20, maximum: 600_000, default: 1_000 }),
});

export interface PaymentsOptions {
  /** Wraps the configured provider (tests use it to make the process die at a chosen moment). */
  wrapProvider?: (provider: PaymentProvider) => PaymentProvider;
  /** Where card tokens come from; by default orders, asked directly (tests of payments alone give their own). */
  paymentTokens?: PaymentTokenSource;
}

/** Payments: one payment intent per order, its ledger, and the provider calls the checkout saga asks for. */
export function paymentsDefinition(options: PaymentsOptions = {}) {
  return defineService({
    name: 'payments',
    config: PaymentsConfig,
    migrations: new URL('./migrations/', import.meta.url),
    // It asks orders for each authorization's card token.
    discovery: !options.paymentTokens,
    setup({ database, outbox, config, log, metrics, tracer, serviceClient }) {
      if (config.PAYMENTS_PROVIDER === 'sandbox' && config.MERCATO_SANDBOX_DELAY_MS >= config.PAYMENTS_PROVIDER_TIMEOUT_MS) {
        throw new ConfigError(
          'PAYMENTS_PROVIDER_TIMEOUT_MS',
          `must be longer than MERCATO_SANDBOX_DELAY_MS (${config.MERCATO_SANDBOX_DELAY_MS}), or every sandbox call times out`,
        );
      }
      const databaseUrl = database.pool.options.connectionString;
      if (!databaseUrl) throw new Error('payments needs its database URL');
      const provider = selectProvider(config.PAYMENTS_PROVIDER, { databaseUrl, sandboxDelayMs: config.MERCATO_SANDBOX_DELAY_MS });
      const store = new PaymentsStore(database.db, outbox, provider.name);
      const worker = new PaymentWorker({
        store,
        provider: options.wrapProvider ? options.wrapProvider(provider) : provider,
        log,
        metrics,
        tracer,
        connectionString: databaseUrl,
        concurrency: config.PAYMENTS_PROVIDER_CONCURRENCY,
        pollMs: config.PAYMENTS_WORKER_POLL_MS,
        callTimeoutMs: config.PAYMENTS_PROVIDER_TIMEOUT_MS,
        paymentTokens: options.paymentTokens ?? tokensFromOrders(serviceClient()),
      });
      return { store, provider, worker };
    },
    subscriptions: ({ store }) => paymentsHandlers(store),
    routes(app, { store }) {
      paymentRoutes(app, store);
    },
    async beforeListen({ worker }) {
      await worker.start();
    },
    async onStop({ worker, provider }, { config }) {
      await worker.stop(config.MERCATO_SHUTDOWN_TIMEOUT_MS);
      await provider.close?.();
    },
  });
}
