import type { Random } from './random.ts';

/**
 * Draws one of a fixed list of values with probability proportional to its weight: cumulative sums
 * and a binary search, O(log n) a draw, which a million-product Zipf needs.
 */
export class WeightedSampler {
  readonly #values: Int32Array;
  readonly #cumulative: Float64Array;

  constructor(values: ArrayLike<number>, weights: ArrayLike<number>) {
    this.#values = Int32Array.from(values);
    this.#cumulative = new Float64Array(weights.length);
    let total = 0;
    for (let k = 0; k < weights.length; k++) {
      total += weights[k] as number;
      this.#cumulative[k] = total;
    }
  }

  get size(): number {
    return this.#values.length;
  }

  /** Each value with its probability of being drawn. */
  *entries(): Generator<[value: number, probability: number]> {
    const total = this.#cumulative[this.#cumulative.length - 1] ?? 0;
    let previous = 0;
    for (let k = 0; k < this.#values.length; k++) {
      const cumulative = this.#cumulative[k] as number;
      yield [this.#values[k] as number, (cumulative - previous) / total];
      previous = cumulative;
    }
  }

  draw(random: Random): number {
    const target = random.next() * (this.#cumulative[this.#cumulative.length - 1] ?? 0);
    let low = 0;
    let high = this.#cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.#cumulative[middle] as number) <= target) low = middle + 1;
      else high = middle;
    }
    return this.#values[low] as number;
  }
}

/** Zipf weights 1 / (rank + 1)^exponent for ranks 0..n-1: a few hits, a long tail. */
export function zipfWeights(n: number, exponent: number): Float64Array {
  const weights = new Float64Array(n);
  for (let rank = 0; rank < n; rank++) weights[rank] = 1 / (rank + 1) ** exponent;
  return weights;
}
