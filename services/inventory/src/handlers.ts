import { CommitStock, ReleaseStock, ReserveStock } from '@mercato/contracts';
import { type Subscription, subscription } from '@mercato/kit';
import type { InventoryStore } from './store.ts';

/**
 * What inventory consumes: the checkout saga's reservation commands, each idempotent by reservation
 * id. The store applies each one and answers on the bus in the same transaction (reserved or
 * reservation-failed, committed or commit-failed, released), so the saga knows the step is done.
 */
export function inventoryHandlers(store: InventoryStore, defaultTtlSeconds: number): Subscription[] {
  return [
    subscription({
      events: [ReserveStock, CommitStock, ReleaseStock],
      async handle(event, { tx, log }) {
        const { traceparent } = event;
        switch (event.type) {
          case ReserveStock.type: {
            const { reservationId, lines, ttlSeconds } = event.data;
            await store.reserve(tx, reservationId, lines, ttlSeconds ?? defaultTtlSeconds, traceparent);
            return;
          }
          case CommitStock.type:
            await store.commitAndAnswer(tx, event.data.reservationId, traceparent, log);
            return;
          case ReleaseStock.type:
            await store.releaseAndAnswer(tx, event.data.reservationId, traceparent);
        }
      },
    }),
  ];
}
