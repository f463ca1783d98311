import { CommitStock, ReleaseStock, ReserveStock } from '@mercato/contracts';
import { type Subscription, subscription } from '@mercato/kit';
import type { InventoryStore } from './store.ts';

/** What inventory consumes: the checkout saga's reservation commands, each idempotent by reservation id. */
export function inventoryHandlers(store: () => InventoryStore, defaultTtlSeconds: number): Subscription[] {
  return [
    subscription({
      events: [ReserveStock, CommitStock, ReleaseStock],
      async handle(event, { tx, log }) {
        if (event.type === ReserveStock.type) {
          const data = event.data as { reservationId: string; lines: { sku: string; quantity: number }[]; ttlSeconds?: number };
          await store().reserve(tx, data.reservationId, data.lines, data.ttlSeconds ?? defaultTtlSeconds, event.traceparent);
        } else if (event.type === CommitStock.type) {
          const outcome = await store().commit(tx, (event.data as { reservationId: string }).reservationId);
          if (typeof outcome === 'string') log.warn({ outcome }, 'commit of a reservation that is not held');
        } else {
          await store().release(tx, (event.data as { reservationId: string }).reservationId);
        }
      },
    }),
  ];
}
