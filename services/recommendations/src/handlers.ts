import {
  CartItemAdded,
  type CatalogProduct,
  OrderConfirmed,
  ProductCreated,
  ProductDeleted,
  type ProductSummary,
  ProductUpdated,
  ProductViewed,
} from '@mercato/contracts';
import { type Subscription, subscription } from '@mercato/kit';
import type { ModelChange } from './domain/model-change.ts';
import type { RecommendationsStore } from './store.ts';

const summaryOf = (product: CatalogProduct): ProductSummary => ({
  id: product.id,
  slug: product.slug,
  name: product.name,
  price: product.price,
  image: product.images[0] ?? null,
  category: product.category,
});

/**
 * What recommendations learns from: views, cart additions and confirmed orders, and the catalog's
 * changes (a created or changed product is listed as it now is, an archived one leaves). Each event
 * becomes rows of `model_changes` in the consumer's transaction; every instance applies them.
 */
export function recommendationsHandlers(store: RecommendationsStore): Subscription[] {
  return [
    subscription({
      events: [ProductViewed, CartItemAdded, OrderConfirmed, ProductCreated, ProductUpdated, ProductDeleted],
      async handle(event, { tx }) {
        const at = Date.parse(event.time);
        let changes: ModelChange[];
        switch (event.type) {
          case ProductViewed.type:
            changes = [{ kind: 'view', userId: event.data.userId, productId: event.data.productId, at }];
            break;
          case CartItemAdded.type:
            changes = [{ kind: 'cart', userId: event.data.userId, productId: event.data.productId, at }];
            break;
          case OrderConfirmed.type:
            changes = event.data.lines.map((line) => ({ kind: 'purchase', userId: event.data.userId, productId: line.productId, at }));
            break;
          case ProductCreated.type:
          case ProductUpdated.type:
            changes = [{ kind: 'listed', product: summaryOf(event.data.product) }];
            break;
          case ProductDeleted.type:
            changes = [{ kind: 'archived', productId: event.data.productId }];
        }
        await store.record(tx, changes);
      },
    }),
  ];
}
