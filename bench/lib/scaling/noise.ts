import { Random } from '../recs/random.ts';

/** A seeded standard normal draw (Box–Muller over the bench's mulberry32), so a trace is the same for a given `--seed`. */
export function normal(seed: number): () => number {
  const random = new Random(seed);
  return () => Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
}
