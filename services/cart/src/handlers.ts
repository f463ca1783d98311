import { PriceChanged, ProductDeleted, ProductUpdated } from '@mercato/contracts';
import { type Subscription, subscription } from '@mercato/kit';
import type { CartStore } from './store.ts';

/**
 * What the cart consumes: the catalog's changes to products that carts may hold, so a line's name and
 * unit price are the catalog's (API.md: the cart shows what the order will cost) and an archived product
 * leaves every cart. All three have the product id as subject, so they arrive in the order they happened.
 */
export function cartHandlers(store: () => CartStore): Subscription[] {
  return [
    subscription({
      events: [PriceChanged, ProductUpdated, ProductDeleted],
      async handle(event, { tx, log }) {
        if (event.type === PriceChanged.type) {
          const { productId, price } = event.data as { productId: string; price: { amount: number; currency: string } };
          const changed = await store().applyCatalogChange(tx, { productId, price });
          if (changed > 0) log.debug({ productId, lines: changed }, 'new price in carts');
          return;
        }
        if (event.type === ProductUpdated.type) {
          const { product } = event.data as { product: { id: string; name: string; price: { amount: number; currency: string } } };
          await store().applyCatalogChange(tx, { productId: product.id, name: product.name, price: product.price });
          return;
        }
        const { productId } = event.data as { productId: string };
        const removed = await store().applyCatalogChange(tx, { productId, archived: true });
        if (removed > 0) log.info({ productId, lines: removed }, 'archived product removed from carts');
      },
    }),
  ];
}
