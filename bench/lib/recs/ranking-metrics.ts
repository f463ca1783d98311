/**
 * HitRate@k and NDCG@k of one ranked list against the products a shopper went on to buy (binary
 * relevance): a hit when any of the first k was bought; NDCG discounts a hit at rank r by log2(r + 1)
 * and divides by the best possible list's gain, so 1 means every bought product leads the list.
 */
export function hitAt(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  for (let r = 0; r < Math.min(k, ranked.length); r++) if (relevant.has(ranked[r] as string)) return 1;
  return 0;
}

export function ndcgAt(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  let dcg = 0;
  for (let r = 0; r < Math.min(k, ranked.length); r++) if (relevant.has(ranked[r] as string)) dcg += 1 / Math.log2(r + 2);
  let ideal = 0;
  for (let r = 0; r < Math.min(k, relevant.size); r++) ideal += 1 / Math.log2(r + 2);
  return ideal > 0 ? dcg / ideal : 0;
}
