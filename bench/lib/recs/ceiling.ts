import type { Holdout } from './holdout.ts';
import { productId } from './ids.ts';
import { type Population, TASTES_PER_USER } from './population.ts';

/**
 * What an oracle that knows each shopper's hidden taste groups and the noise would show: products by
 * the chance that the shopper's next view lands on them ((1 - noise) spread evenly over their groups'
 * own distributions, plus noise times the shop's popularity), without what they bought. No model can
 * expect to beat it on this data, so it says how much of the attainable lift a model reaches.
 */
export function ceilingRanker(population: Population, noise: number, seed: number, limit: number) {
  const shop = [...population.popularity.entries()].sort((a, b) => b[1] - a[1]);
  const shopChance = new Map(shop);
  const groups = population.groups.map((g) => [...g.entries()]);
  return (u: number, holdout: Holdout): string[] => {
    const bought = holdout.boughtBefore.get(u);
    const tastes: number[] = [];
    for (let k = 0; k < TASTES_PER_USER; k++) {
      const g = population.tastes[u * TASTES_PER_USER + k] as number;
      if (g >= 0) tastes.push(g);
    }
    const chance = new Map<number, number>();
    for (const g of tastes) {
      for (const [p, q] of groups[g] ?? []) chance.set(p, (chance.get(p) ?? 0) + ((1 - noise) * q) / tastes.length);
    }
    for (const [p, q] of chance) chance.set(p, q + noise * (shopChance.get(p) ?? 0));
    // Outside the shopper's groups only the shop's popularity counts: its first unbought `limit` suffice.
    let added = 0;
    for (const [p, q] of shop) {
      if (added >= limit) break;
      if (bought?.has(p) || chance.has(p)) continue;
      chance.set(p, noise * q);
      added += 1;
    }
    return [...chance]
      .filter(([p]) => !bought?.has(p))
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, limit)
      .map(([p]) => productId(p, seed));
  };
}
