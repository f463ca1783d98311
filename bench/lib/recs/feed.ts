import type { Interaction, ItemModel } from '../../../services/recommendations/src/domain/item-model.ts';
import { productId, userId } from './ids.ts';
import { type DayBatch, KINDS } from './sessions.ts';

export interface Fed {
  events: number;
  /** Time spent inside ItemModel.apply only (making the interactions is not counted). */
  applySeconds: number;
}

/**
 * Feeds days of events to a model, in time order, up to `until` (epoch ms, exclusive). Each day's
 * interactions are made first, with fresh id strings as JSON would give them, then applied in one
 * timed loop, so the figure is the model's work and not the simulation's.
 */
export function feed(
  model: ItemModel,
  days: Iterable<DayBatch>,
  seed: number,
  until = Number.POSITIVE_INFINITY,
  onDay?: (fed: Fed) => void,
): Fed {
  const fed: Fed = { events: 0, applySeconds: 0 };
  const products = new Map<number, string>();
  for (const day of days) {
    const interactions: Interaction[] = [];
    for (let k = 0; k < day.length && (day.at[k] as number) < until; k++) {
      const p = day.products[k] as number;
      let product = products.get(p);
      if (product === undefined) {
        product = productId(p, seed);
        products.set(p, product);
      }
      interactions.push({
        userId: userId(day.users[k] as number, seed),
        productId: product,
        kind: KINDS[day.kinds[k] as number] ?? 'view',
        at: day.at[k] as number,
      });
    }
    const started = performance.now();
    for (const interaction of interactions) model.apply(interaction);
    fed.applySeconds += (performance.now() - started) / 1000;
    fed.events += interactions.length;
    onDay?.(fed);
  }
  return fed;
}
