import { CommitStock, ReleaseStock, ReserveStock, StockCommitFailed, StockCommitted, StockReleased } from '@mercato/contracts';
import { type Outbox, type Subscription, subscription } from '@mercato/kit';
import type { InventoryStore } from './store.ts';

/**
 * What inventory consumes: the checkout saga's reservation commands, each idempotent by reservation
 * id. Reserve answers through the store's own events (reserved / reservation-failed); commit and
 * release answer here, so the saga knows the step is done before it moves on.
 */
export function inventoryHandlers(store: () => InventoryStore, outbox: Outbox | undefined, defaultTtlSeconds: number): Subscription[] {
  if (!outbox) throw new Error('inventory needs its outbox');
  return [
    subscription({
      events: [ReserveStock, CommitStock, ReleaseStock],
      async handle(event, { tx, log }) {
        const traceparent = event.traceparent;
        if (event.type === ReserveStock.type) {
          const data = event.data as { reservationId: string; lines: { sku: string; quantity: number }[]; ttlSeconds?: number };
          await store().reserve(tx, data.reservationId, data.lines, data.ttlSeconds ?? defaultTtlSeconds, traceparent);
          return;
        }
        const { reservationId } = event.data as { reservationId: string };
        if (event.type === CommitStock.type) {
          const outcome = await store().commit(tx, reservationId);
          if (typeof outcome === 'string' || outcome.status !== 'committed') {
            const current = await store().reservation(tx, reservationId);
            const reason = current?.status === 'expired' ? 'expired' : 'not_held';
            log.warn({ reservationId, status: current?.status ?? 'unknown' }, 'commit of a reservation that is not held');
            await outbox.publish(tx, StockCommitFailed, { subject: reservationId, data: { reservationId, reason }, traceparent });
            return;
          }
          await outbox.publish(tx, StockCommitted, { subject: reservationId, data: { reservationId }, traceparent });
          return;
        }
        await store().release(tx, reservationId);
        await outbox.publish(tx, StockReleased, { subject: reservationId, data: { reservationId }, traceparent });
      },
    }),
  ];
}
