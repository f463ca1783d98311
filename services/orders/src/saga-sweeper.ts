import { type Logger, PeriodicTask, transaction } from '@mercato/kit';
import type { CheckoutSaga } from './saga.ts';
import type { OrderStore } from './store.ts';

/**
 * Keeps every placed order moving: a step past its deadline (a lost service, a stuck reply) cancels
 * the order with compensation (`expired`); a compensation still waiting is sent again. Orders are
 * locked `skip locked`, so several instances sweep side by side.
 */
export class SagaSweeper {
  readonly #store: OrderStore;
  readonly #saga: CheckoutSaga;
  readonly #log: Logger;
  readonly #task = new PeriodicTask(() => this.#sweep());
  #lastKeyCleanup = 0;

  constructor(store: OrderStore, saga: CheckoutSaga, log: Logger) {
    this.#store = store;
    this.#saga = saga;
    this.#log = log;
  }

  start(intervalMs: number): void {
    this.#task.start(intervalMs);
  }

  stop(): Promise<void> {
    return this.#task.stop();
  }

  sweep(): Promise<void> {
    return this.#task.run();
  }

  async #sweep(): Promise<void> {
    try {
      for (;;) {
        const swept = await transaction(this.#store.db, async (tx) => {
          const overdue = await this.#store.overdue(tx, 50);
          for (const order of overdue) {
            if (order.sagaStep === 'compensating') {
              this.#log.warn({ orderId: order.id, attempts: order.stepAttempts + 1 }, 'compensation still waiting; sending it again');
              await this.#saga.resendCompensation(tx, order);
            } else {
              this.#log.warn({ orderId: order.id, step: order.sagaStep }, 'order step missed its deadline; cancelling');
              await this.#saga.cancel(tx, order, 'expired', '');
            }
          }
          return overdue.length;
        });
        if (swept < 50) break;
      }
      if (Date.now() - this.#lastKeyCleanup > 3_600_000) {
        // API.md keeps keys at least 24 h; two days leaves room for clients retrying late.
        await this.#store.forgetKeysOlderThan(48);
        this.#lastKeyCleanup = Date.now();
      }
    } catch (error) {
      this.#log.error({ err: error }, 'saga sweep failed; next pass retries');
    }
  }
}
