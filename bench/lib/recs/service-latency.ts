import type { ItemModel } from '../../../services/recommendations/src/domain/item-model.ts';
import type { ProductShelf } from '../../../services/recommendations/src/domain/product-shelf.ts';
import { forProduct, forShopper } from '../../../services/recommendations/src/domain/recommend.ts';
import { productId, userId } from './ids.ts';
import { type LatencyFigures, timeCalls } from './latency.ts';
import type { Population } from './population.ts';
import { Random } from './random.ts';

const LIMIT = 10;

/**
 * The compute of the two answers the routes give, over random shoppers (known to the model or not,
 * as they come) and random listed products viewed by a random signed-in shopper; then forShopper
 * again with one new interaction applied (untimed) before each answer, as in a service whose feed
 * applies changes between requests: a change empties ItemModel.popular's cache, so an answer that
 * falls back on popularity sorts the whole catalog again.
 */
export function serviceLatency(
  model: ItemModel,
  shelf: ProductShelf,
  population: Population,
  calls: number,
  seed: number,
): (LatencyFigures & { name: string })[] {
  const random = new Random(seed ^ 0x1a7e);
  const { users, products } = population.shape;
  const shoppers = Array.from({ length: calls + 2_000 }, () => userId(random.int(users), seed));
  const viewed = Array.from({ length: calls + 2_000 }, () => productId(random.int(products), seed));
  const changed = Math.max(1, Math.floor(calls / 10));
  return [
    { name: 'forShopper', ...timeCalls(calls, (k) => forShopper(model, shelf, shoppers[k] as string, LIMIT)) },
    { name: 'forProduct', ...timeCalls(calls, (k) => forProduct(model, shelf, viewed[k] as string, LIMIT, shoppers[k])) },
    {
      name: 'forShopper, a change before each',
      ...timeCalls(
        changed,
        (k) => forShopper(model, shelf, shoppers[k] as string, LIMIT),
        Math.min(200, changed),
        (k) => model.apply({ userId: shoppers[k + 1] as string, productId: viewed[k] as string, kind: 'view', at: Date.now() }),
      ),
    },
  ];
}
