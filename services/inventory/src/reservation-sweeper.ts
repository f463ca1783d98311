import { type Logger, PeriodicTask, transaction } from '@mercato/kit';
import type { InventoryStore } from './store.ts';

/** Releases held reservations whose deadline passed (a saga that died), in batches, every `intervalMs`. */
export class ReservationSweeper {
  readonly #store: InventoryStore;
  readonly #log: Logger;
  readonly #task = new PeriodicTask(() => this.#sweepAll());

  constructor(store: InventoryStore, log: Logger) {
    this.#store = store;
    this.#log = log;
  }

  start(intervalMs: number): void {
    this.#task.start(intervalMs);
  }

  stop(): Promise<void> {
    return this.#task.stop();
  }

  /** One pass; resolves with how many reservations expired. */
  sweep(): Promise<number> {
    return this.#task.run();
  }

  async #sweepAll(): Promise<number> {
    let total = 0;
    try {
      for (;;) {
        const released = await transaction(this.#store.db, async (tx) => {
          const ids = await this.#store.expiredReservationIds(tx, 100);
          for (const id of ids) await this.#store.release(tx, id, 'expired');
          return ids.length;
        });
        total += released;
        if (released < 100) break;
      }
      if (total > 0) this.#log.info({ expired: total }, 'released expired reservations');
    } catch (error) {
      this.#log.warn({ err: error }, 'reservation sweep failed; will try again');
    }
    return total;
  }
}
