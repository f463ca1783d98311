import { Counter, type Registry } from 'prom-client';

/** Why a reservation failed: the contract's reasons (StockReservationFailed). */
export type ReservationFailureReason = 'out_of_stock';

/**
 * Inventory's business metrics. A reservation is decided once (a repeated reserve answers the first
 * outcome), and the store counts its failure once the deciding transaction has committed.
 */
export class InventoryMetrics {
  readonly #failures: Counter<'reason'>;

  constructor(registry: Registry) {
    this.#failures = new Counter({
      name: 'mercato_inventory_reservation_failures_total',
      help: 'Reservations refused, by reason (out_of_stock: a line had less stock available than asked for)',
      labelNames: ['reason'] as const,
      registers: [registry],
    });
    // Zero from the start, so a rate over it exists before the first failure.
    this.#failures.inc({ reason: 'out_of_stock' }, 0);
  }

  reservationFailed(reason: ReservationFailureReason): void {
    this.#failures.inc({ reason });
  }
}
