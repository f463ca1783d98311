import type { ItemModel } from '../../../services/recommendations/src/domain/item-model.ts';
import type { ProductShelf } from '../../../services/recommendations/src/domain/product-shelf.ts';
import { forShopper } from '../../../services/recommendations/src/domain/recommend.ts';
import { ceilingRanker } from './ceiling.ts';
import type { Holdout } from './holdout.ts';
import { productId, userId } from './ids.ts';
import type { Population } from './population.ts';
import { Random } from './random.ts';
import { hitAt, ndcgAt } from './ranking-metrics.ts';

export const K = 10;

export interface Quality {
  name: string;
  users: number;
  hitRate: number;
  ndcg: number;
  /** Distinct products shown over all shoppers, of the catalog. */
  coverage: number;
  /** Share of answers the service would label `personal` (the model found something). */
  personal?: number;
}

/** A top-K for one shopper (user index, their product ids bought before the cutoff). */
type Ranker = (u: number, bought: ReadonlySet<string>) => { ids: string[]; personal?: boolean };

/** HitRate@K and NDCG@K of one ranker over every shopper who bought something new after the cutoff. */
function measure(name: string, holdout: Holdout, seed: number, products: number, rank: Ranker): Quality {
  let hits = 0;
  let ndcg = 0;
  let personal = 0;
  let labelled = 0;
  const shown = new Set<string>();
  for (const [u, after] of holdout.boughtAfter) {
    const bought = new Set([...(holdout.boughtBefore.get(u) ?? [])].map((p) => productId(p, seed)));
    const relevant = new Set([...after].map((p) => productId(p, seed)));
    const answer = rank(u, bought);
    hits += hitAt(answer.ids, relevant, K);
    ndcg += ndcgAt(answer.ids, relevant, K);
    for (const id of answer.ids) shown.add(id);
    if (answer.personal !== undefined) {
      labelled += 1;
      if (answer.personal) personal += 1;
    }
  }
  const users = holdout.boughtAfter.size;
  return {
    name,
    users,
    hitRate: hits / users,
    ndcg: ndcg / users,
    coverage: shown.size / products,
    ...(labelled > 0 ? { personal: personal / labelled } : {}),
  };
}

/** Uniform over the listed products the shopper has not bought. */
export function randomQuality(holdout: Holdout, seed: number, shelf: ProductShelf, products: number): Quality {
  const random = new Random(seed ^ 0x5eed);
  return measure('random', holdout, seed, products, (_u, bought) => {
    const ids = new Set<string>();
    const candidates = shelf.size - bought.size;
    while (ids.size < Math.min(K, candidates)) {
      const id = productId(random.int(products), seed);
      if (!bought.has(id) && shelf.has(id)) ids.add(id);
    }
    return { ids: [...ids] };
  });
}

/** ItemModel.popular (time-decayed levels over everyone), without what the shopper bought. */
export function popularityQuality(model: ItemModel, holdout: Holdout, seed: number, products: number): Quality {
  return measure('popularity', holdout, seed, products, (_u, bought) => ({
    ids: model.popular(K, (id) => bought.has(id)).map((s) => s.productId),
  }));
}

/** What the service answers a signed-in shopper: recommend.ts forShopper, strategy and fallback included. */
export function modelQuality(
  name: string,
  model: ItemModel,
  shelf: ProductShelf,
  holdout: Holdout,
  seed: number,
  products: number,
): Quality {
  return measure(name, holdout, seed, products, (u) => {
    const answer = forShopper(model, shelf, userId(u, seed), K);
    return { ids: answer.items.map((s) => s.id), personal: answer.strategy === 'personal' };
  });
}

/** The oracle that knows the hidden tastes (ceiling.ts): the most any model can expect here. */
export function ceilingQuality(population: Population, noise: number, holdout: Holdout, seed: number): Quality {
  const rank = ceilingRanker(population, noise, seed, K);
  return measure('ceiling (knows hidden tastes)', holdout, seed, population.shape.products, (u) => ({ ids: rank(u, holdout) }));
}
