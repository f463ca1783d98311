import type { ProductSummary } from '@mercato/contracts';
import { productId } from './ids.ts';
import type { Random } from './random.ts';
import { WeightedSampler, zipfWeights } from './sampler.ts';

export interface PopulationShape {
  products: number;
  categories: number;
  users: number;
  /** Hidden taste groups; each prefers `groupSize` products from `groupCategories` categories. */
  groups: number;
  groupSize: number;
  groupCategories: number;
  /** Zipf exponent of the shop-wide popularity (1: the top product draws 1/H(n) of all picks). */
  popularitySkew: number;
  seed: number;
}

/**
 * The synthetic shop: products in categories, a shop-wide popularity (Zipf over a random order), and
 * hidden taste groups, each a subset of products from a few categories with its own hits; every
 * shopper belongs to one to three groups and has a heavy-tailed activity (log-normal, mean 1).
 */
export interface Population {
  shape: PopulationShape;
  summaries: ProductSummary[];
  /** The category index of each product. */
  categoryOf: Int32Array;
  popularity: WeightedSampler;
  groups: WeightedSampler[];
  /** Up to three groups a shopper, -1 for none: user u's are at 3u, 3u+1, 3u+2. */
  tastes: Int32Array;
  activity: Float64Array;
}

export const TASTES_PER_USER = 3;
/** Within a group, a gentler Zipf than the shop's: a group's own favourites, not one runaway hit. */
const GROUP_SKEW = 0.8;
/** σ of the activity factor: the busiest 1% of shoppers come about ten times as often as the median one. */
const ACTIVITY_SIGMA = 1;

export function makePopulation(shape: PopulationShape, random: Random): Population {
  const categories = Array.from({ length: shape.categories }, (_, c) => `category-${String(c).padStart(3, '0')}`);
  const categoryOf = new Int32Array(shape.products);
  const byCategory: number[][] = categories.map(() => []);
  const summaries: ProductSummary[] = [];
  for (let p = 0; p < shape.products; p++) {
    const c = random.int(shape.categories);
    categoryOf[p] = c;
    byCategory[c]?.push(p);
    const id = productId(p, shape.seed);
    summaries.push({
      id,
      slug: `product-${p}`,
      name: `Product ${p}`,
      price: { amount: 500 + random.int(20_000), currency: 'EUR' },
      image: null,
      category: categories[c] as string,
    });
  }

  const rankOf = random.permutation(shape.products);
  const shopWeights = zipfWeights(shape.products, shape.popularitySkew);
  const weightOf = (p: number) => shopWeights[rankOf[p] as number] as number;
  const popularity = new WeightedSampler(
    Array.from({ length: shape.products }, (_, p) => p),
    Array.from({ length: shape.products }, (_, p) => weightOf(p)),
  );

  const groups: WeightedSampler[] = [];
  for (let g = 0; g < shape.groups; g++) {
    // A group's products come from its categories, the shop's hits more likely among them.
    const pool = [];
    for (let k = 0; k < shape.groupCategories; k++) pool.push(...(byCategory[random.int(shape.categories)] ?? []));
    const inPool = new WeightedSampler(
      pool,
      pool.map((p) => Math.sqrt(weightOf(p))),
    );
    const chosen = new Set<number>();
    const size = Math.min(shape.groupSize, new Set(pool).size);
    while (chosen.size < size) chosen.add(inPool.draw(random));
    groups.push(new WeightedSampler([...chosen], zipfWeights(chosen.size, GROUP_SKEW)));
  }

  const tastes = new Int32Array(shape.users * TASTES_PER_USER).fill(-1);
  const activity = new Float64Array(shape.users);
  let totalActivity = 0;
  for (let u = 0; u < shape.users; u++) {
    // Half the shoppers have one taste, a third two, the rest three.
    const count = random.chance(0.5) ? 1 : random.chance(0.7) ? 2 : 3;
    for (let k = 0; k < count; k++) tastes[u * TASTES_PER_USER + k] = random.int(shape.groups);
    activity[u] = random.logNormal(ACTIVITY_SIGMA);
    totalActivity += activity[u] as number;
  }
  for (let u = 0; u < shape.users; u++) activity[u] = ((activity[u] as number) * shape.users) / totalActivity;

  return { shape, summaries, categoryOf, popularity, groups, tastes, activity };
}

/** One of user u's taste groups, uniformly. */
export function tasteOf(population: Population, u: number, random: Random): number {
  const base = u * TASTES_PER_USER;
  let count = 0;
  while (count < TASTES_PER_USER && (population.tastes[base + count] as number) >= 0) count += 1;
  return population.tastes[base + random.int(count)] as number;
}
