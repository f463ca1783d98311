import { Listener, type Logger } from '@mercato/kit';
import { ORDER_SETTLED_CHANNEL } from './store.ts';

/** The listener reconnects after this when its connection dropped. */
const LISTEN_RETRY_MS = 1_000;
/** A waiter looks again this often without being woken: a notification lost while the listener reconnected. */
const RECHECK_MS = 1_000;

/**
 * Lets a request wait for an order to settle (`GET /api/orders/{id}?wait=`) instead of the shopper
 * asking again and again: the store's update that changes an order's status notifies on
 * `ORDER_SETTLED_CHANNEL` when its transaction commits, whichever instance ran it, and the waiters
 * of that order wake. A waiter also wakes every second on its own, so a lost notification costs a
 * second, never the whole wait.
 */
export class OrderWatch {
  readonly #listener: Listener | undefined;
  readonly #log: Logger;
  readonly #waiters = new Map<string, Set<() => void>>();

  constructor(options: { connectionString: string | undefined; log: Logger }) {
    this.#log = options.log;
    this.#listener = options.connectionString
      ? new Listener({
          connectionString: options.connectionString,
          channel: ORDER_SETTLED_CHANNEL,
          applicationName: 'orders-watch',
          onNotify: (orderId) => this.#wake(orderId),
        })
      : undefined;
  }

  async start(): Promise<void> {
    await this.#listener?.keepListening(LISTEN_RETRY_MS, {
      onListening: () => undefined,
      onFailure: (error) => this.#log.warn({ err: error }, 'orders cannot LISTEN for settled orders; waiting requests look every second'),
    });
  }

  async stop(): Promise<void> {
    await this.#listener?.close();
    for (const waiters of this.#waiters.values()) for (const wake of waiters) wake();
    this.#waiters.clear();
  }

  /**
   * Resolves when `orderId` may have changed status, or after at most `ms`. Register before reading
   * the order, so a change committed between the read and the wait is not missed.
   */
  watch(orderId: string): { changed(ms: number): Promise<void>; close(): void } {
    // Set by a notification; the next `changed` returns at once and clears it.
    let notified = false;
    let resolveWait: (() => void) | undefined;
    const wake = () => {
      notified = true;
      resolveWait?.();
    };
    const waiters = this.#waiters.get(orderId) ?? new Set();
    waiters.add(wake);
    this.#waiters.set(orderId, waiters);
    return {
      changed: async (ms) => {
        if (!notified) {
          let timer: NodeJS.Timeout | undefined;
          await new Promise<void>((resolve) => {
            resolveWait = resolve;
            timer = setTimeout(resolve, Math.min(ms, RECHECK_MS));
          });
          clearTimeout(timer);
          resolveWait = undefined;
        }
        notified = false;
      },
      close: () => {
        waiters.delete(wake);
        if (waiters.size === 0 && this.#waiters.get(orderId) === waiters) this.#waiters.delete(orderId);
      },
    };
  }

  #wake(orderId: string): void {
    for (const wake of this.#waiters.get(orderId) ?? []) wake();
  }
}
