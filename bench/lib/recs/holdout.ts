import { type DayBatch, PURCHASE } from './sessions.ts';

/**
 * The time split: the model learns every event before the cutoff; what each shopper buys after it,
 * and had not bought before it, is what a good recommendation at the cutoff would have shown.
 */
export interface Holdout {
  /** Product indices bought before the cutoff, by user index. */
  boughtBefore: Map<number, Set<number>>;
  /** Product indices first bought after the cutoff, by user index (only users with some). */
  boughtAfter: Map<number, Set<number>>;
  trainEvents: number;
  testEvents: number;
}

export function splitAt(batches: readonly DayBatch[], cutoff: number): Holdout {
  const boughtBefore = new Map<number, Set<number>>();
  const boughtAfter = new Map<number, Set<number>>();
  let trainEvents = 0;
  let testEvents = 0;
  for (const batch of batches) {
    for (let k = 0; k < batch.length; k++) {
      const before = (batch.at[k] as number) < cutoff;
      if (before) trainEvents += 1;
      else testEvents += 1;
      if (batch.kinds[k] !== PURCHASE) continue;
      const u = batch.users[k] as number;
      const p = batch.products[k] as number;
      if (before) setOf(boughtBefore, u).add(p);
      else if (!boughtBefore.get(u)?.has(p)) setOf(boughtAfter, u).add(p);
    }
  }
  return { boughtBefore, boughtAfter, trainEvents, testEvents };
}

function setOf(map: Map<number, Set<number>>, key: number): Set<number> {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  return set;
}
