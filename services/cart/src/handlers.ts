import { OrderCancelled, PriceChanged, ProductDeleted, ProductUpdated } from '@mercato/contracts';
import { type Subscription, subscription } from '@mercato/kit';
import { restoresCart } from './domain/cart.ts';
import type { CartStore } from './store.ts';

/**
 * What the cart consumes, all in one subscription under the consumer name `cart`:
 * - the catalog's changes to products that carts may hold, so a line's name and unit price are the
 *   catalog's (API.md: the cart shows what the order will cost) and an archived product leaves every
 *   cart. They have the product id as subject, so they arrive in the order they happened;
 * - orders' cancellations: after a declined or failed payment the order's lines go back into its
 *   owner's cart (API.md), so the shopper can try another card.
 * One entry rather than one per event: the kit takes one entry per consumer name, and a
 * second consumer name would make the cart read the whole stream twice under NATS (ADR 0007).
 */
export function cartHandlers(store: CartStore): Subscription[] {
  return [
    subscription({
      events: [PriceChanged, ProductUpdated, ProductDeleted, OrderCancelled],
      async handle(event, { tx, log }) {
        if (event.type === PriceChanged.type) {
          const { productId, price } = event.data;
          const changed = await store.applyCatalogChange(tx, { productId, price });
          if (changed > 0) log.debug({ productId, lines: changed }, 'new price in carts');
          return;
        }
        if (event.type === ProductUpdated.type) {
          const { product } = event.data;
          await store.applyCatalogChange(tx, { productId: product.id, name: product.name, price: product.price });
          return;
        }
        if (event.type === ProductDeleted.type) {
          const { productId } = event.data;
          const removed = await store.applyCatalogChange(tx, { productId, archived: true });
          if (removed > 0) log.info({ productId, lines: removed }, 'archived product removed from carts');
          return;
        }
        if (event.type === OrderCancelled.type) {
          const { orderId, userId, reason, lines } = event.data;
          if (!restoresCart(reason)) return;
          if (!lines) {
            // Published by an orders version from before the event carried its lines.
            log.warn({ orderId, userId, reason }, 'cancelled order carries no lines: nothing put back into the cart');
            return;
          }
          const plan = await store.restoreLines(
            tx,
            userId,
            lines.map((line) => ({
              sku: line.sku,
              productId: line.productId,
              name: line.name,
              unitAmount: line.unitPrice.amount,
              currency: line.unitPrice.currency,
              quantity: line.quantity,
            })),
          );
          // What does not fit is left out, never an error: a retry would not make it fit, and a dead
          // letter would lose the lines that do.
          if (plan.dropped.length > 0)
            log.info({ orderId, userId, dropped: plan.dropped }, 'order lines left out of the cart: over its limits');
          log.debug({ orderId, userId, lines: plan.add.length }, 'order lines put back into the cart');
        }
      },
    }),
  ];
}
