/**
 * The item-to-item model, in memory and updated one interaction at a time (ADR 0025).
 *
 * A shopper's tie to a product is a level: viewed 1, added to the cart 3, bought 5 (the highest
 * reached counts, so a hundred views of one page weigh what one view does). For a pair of products
 * the co-occurrence is the sum over shoppers of the lower of their two levels (a weighted Jaccard
 * numerator), and a product's weight the sum of its levels; similarity is the cosine
 * `C(i,j) / sqrt(N(i) N(j))`, shrunk when few shoppers support it, which keeps popular products from
 * being everyone's neighbour. A pair counts more the closer in time the shopper's two ties are
 * (half of it an hour apart): products looked at in one visit share a purpose, while a shopper's
 * visits weeks apart may follow different tastes. Time decay is forward decay: a change at time t is
 * added times 2^((t - epoch) / halfLife), so older evidence weighs less without ever rescaling what is
 * stored.
 */

export type InteractionKind = 'view' | 'cart' | 'purchase';

export const LEVELS: Record<InteractionKind, number> = { view: 1, cart: 3, purchase: 5 };

export interface Interaction {
  userId: string;
  productId: string;
  kind: InteractionKind;
  /** Epoch milliseconds of the interaction (the event's time). */
  at: number;
}

export interface ItemModelOptions {
  /** Half-life of evidence in the model, in days (default 30). */
  halfLifeDays?: number;
  /** How many recent products of a shopper pair with a new one (default 20). */
  historySize?: number;
  /** Neighbours kept per product (default 100); the weakest go when twice as many gathered. */
  maxNeighbours?: number;
  /** Support (in levels) at which a similarity keeps half its value (default 3). */
  shrinkage?: number;
  /** Half-life, in days, of a shopper's own interactions in their personal row (default 30: recent tastes first, older ones not forgotten). */
  personalHalfLifeDays?: number;
  /** Gap, in hours, between a shopper's ties to two products at which their pair counts half (default 1: one visit). */
  sessionHalfLifeHours?: number;
}

export interface Scored {
  productId: string;
  score: number;
}

/** One shopper's recent products, newest last, and everything they bought. */
interface Shopper {
  items: number[];
  levels: number[];
  at: number[];
  bought: Set<number>;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Popular products ranked: enough to fill any answer's popular part, also within one category. */
const POPULAR_KEPT = 5_000;
/** Forward decay's growth stays below 2^64 (doubles overflow past 2^1024 half-lives). */
const REBASE_AFTER_HALF_LIVES = 64;

export class ItemModel {
  /** Where forward decay counts from; moved forward (and every stored value scaled down) long before growth overflows. */
  epoch: number;
  readonly #halfLifeMs: number;
  readonly #historySize: number;
  readonly #maxNeighbours: number;
  readonly #shrinkage: number;
  readonly #personalHalfLifeMs: number;
  readonly #sessionHalfLifeMs: number;
  readonly #index = new Map<string, number>();
  readonly #ids: string[] = [];
  /** N(i), forward-decayed. */
  readonly #weights: number[] = [];
  /** C(i, ·), forward-decayed. */
  readonly #neighbours: Map<number, number>[] = [];
  readonly #shoppers = new Map<string, Shopper>();
  #interactions = 0;
  /** The most popular products, best first, as last ranked; `#popularStale` once a change may reorder them. */
  #popular: { at: number; order: number[] } | undefined;
  #popularStale = false;

  constructor(options: ItemModelOptions & { epoch?: number } = {}) {
    this.epoch = options.epoch ?? Date.now();
    this.#halfLifeMs = (options.halfLifeDays ?? 30) * DAY_MS;
    this.#historySize = options.historySize ?? 20;
    this.#maxNeighbours = options.maxNeighbours ?? 100;
    this.#shrinkage = options.shrinkage ?? 3;
    this.#personalHalfLifeMs = (options.personalHalfLifeDays ?? 30) * DAY_MS;
    this.#sessionHalfLifeMs = (options.sessionHalfLifeHours ?? 1) * HOUR_MS;
  }

  get interactions(): number {
    return this.#interactions;
  }

  get products(): number {
    return this.#ids.length;
  }

  get shoppers(): number {
    return this.#shoppers.size;
  }

  /** Learns one interaction. */
  apply({ userId, productId, kind, at }: Interaction): void {
    this.#interactions += 1;
    const item = this.#itemIndex(productId);
    const shopper = this.#shopper(userId);
    const position = shopper.items.indexOf(item);
    const before = Math.max(position >= 0 ? (shopper.levels[position] ?? 0) : 0, shopper.bought.has(item) ? LEVELS.purchase : 0);
    const level = Math.max(before, LEVELS[kind]);
    if (kind === 'purchase') shopper.bought.add(item);
    const decay = this.#growth(at);
    if (level > before) {
      this.#weights[item] = (this.#weights[item] ?? 0) + (level - before) * decay;
      this.#popularStale = true;
      for (let k = 0; k < shopper.items.length; k++) {
        const other = shopper.items[k] as number;
        if (other === item) continue;
        const theirs = shopper.levels[k] as number;
        const added = Math.min(level, theirs) - Math.min(before, theirs);
        if (added > 0) {
          const together = added * decay * 2 ** (-Math.abs(at - (shopper.at[k] as number)) / this.#sessionHalfLifeMs);
          this.#pair(item, other, together);
          this.#pair(other, item, together);
        }
      }
    }
    // The product moves to the newest end of the shopper's history.
    const latest = Math.max(at, position >= 0 ? (shopper.at[position] ?? 0) : 0);
    if (position >= 0) {
      shopper.items.splice(position, 1);
      shopper.levels.splice(position, 1);
      shopper.at.splice(position, 1);
    }
    shopper.items.push(item);
    shopper.levels.push(level);
    shopper.at.push(latest);
    if (shopper.items.length > this.#historySize) {
      shopper.items.shift();
      shopper.levels.shift();
      shopper.at.shift();
    }
  }

  /** Products like `productId`, best first, without itself or anything `skip` refuses. */
  similarTo(productId: string, limit: number, skip: (productId: string) => boolean, now = Date.now()): Scored[] {
    const item = this.#index.get(productId);
    if (item === undefined) return [];
    return this.#best(this.#similarities(item, 1, now), limit, (other) => other === item || skip(this.#ids[other] as string));
  }

  /**
   * For one shopper, from their recent products, without what they bought or anything `skip` refuses.
   * Each recent product's neighbours are scaled to sum to one (item-based top-N's normalised
   * similarity, Deshpande & Karypis 2004), so a product with many strong neighbours does not drown the
   * shopper's other tastes, and weighted by recency alone: its level already weighs in its
   * co-occurrences, and counting it again let one carted product outvote a whole taste.
   */
  forShopper(userId: string, limit: number, skip: (productId: string) => boolean, now = Date.now()): Scored[] {
    const shopper = this.#shoppers.get(userId);
    if (!shopper) return [];
    const scores = new Map<number, number>();
    for (let k = 0; k < shopper.items.length; k++) {
      const neighbours = this.#similarities(shopper.items[k] as number, 1, now);
      let sum = 0;
      for (const similarity of neighbours.values()) sum += similarity;
      if (sum <= 0) continue;
      const weight = 2 ** (((shopper.at[k] as number) - now) / this.#personalHalfLifeMs) / sum;
      for (const [other, similarity] of neighbours) scores.set(other, (scores.get(other) ?? 0) + similarity * weight);
    }
    return this.#best(scores, limit, (other) => shopper.bought.has(other) || skip(this.#ids[other] as string));
  }

  /** Everything this shopper bought (while the model has known them). */
  boughtBy(userId: string): Set<string> {
    const shopper = this.#shoppers.get(userId);
    return new Set([...(shopper?.bought ?? [])].map((item) => this.#ids[item] as string));
  }

  /** What this shopper touched most recently, newest first. */
  recentOf(userId: string): string[] {
    const shopper = this.#shoppers.get(userId);
    return shopper ? shopper.items.toReversed().map((item) => this.#ids[item] as string) : [];
  }

  /**
   * The most interacted-with products (time-decayed), best first, skipping what `skip` refuses: from the
   * last ranking (`rankPopular`), so an answer never sorts the catalog; ranked here only the first time.
   */
  popular(limit: number, skip: (productId: string) => boolean): Scored[] {
    if (!this.#popular) this.rankPopular(0);
    const answer: Scored[] = [];
    for (const item of this.#popular?.order ?? []) {
      if (answer.length >= limit) break;
      const productId = this.#ids[item] as string;
      if (!skip(productId)) answer.push({ productId, score: this.#weights[item] ?? 0 });
    }
    return answer;
  }

  /**
   * Ranks the popular products again when something changed and the last ranking is older than
   * `maxAgeMs` (the feed calls it after applying changes, off the answers' path). Only the best
   * `POPULAR_KEPT` are ranked: a typed-array sort finds the threshold, then only those are ordered.
   */
  rankPopular(maxAgeMs: number): void {
    if (this.#popular && (!this.#popularStale || Date.now() - this.#popular.at < maxAgeMs)) return;
    const weights = Float64Array.from(this.#weights);
    let threshold = Number.MIN_VALUE;
    if (weights.length > POPULAR_KEPT) {
      const sorted = Float64Array.from(weights).sort();
      threshold = Math.max(threshold, sorted[sorted.length - POPULAR_KEPT] as number);
    }
    const order: number[] = [];
    for (let item = 0; item < weights.length; item++) if ((weights[item] as number) >= threshold) order.push(item);
    order.sort((a, b) => (weights[b] as number) - (weights[a] as number) || a - b);
    this.#popular = { at: Date.now(), order: order.slice(0, POPULAR_KEPT) };
    this.#popularStale = false;
  }

  /** Forgets a product (archived): it is never answered again, and its ties go. */
  forget(productId: string): void {
    const item = this.#index.get(productId);
    if (item === undefined) return;
    for (const other of this.#neighbours[item]?.keys() ?? []) this.#neighbours[other]?.delete(item);
    this.#neighbours[item] = new Map();
    this.#weights[item] = 0;
    this.#popularStale = true;
  }

  /**
   * The model as lines of JSON, one per product and one per shopper after a header, so a model of any
   * size is written and read a line at a time (no string of the whole model: V8 caps one near 512 MiB).
   */
  *snapshotLines(): Generator<string> {
    const header: SnapshotHeader = { version: 2, epoch: this.epoch, interactions: this.#interactions };
    yield JSON.stringify(header);
    for (let item = 0; item < this.#ids.length; item++) {
      const line: ProductLine = ['p', this.#ids[item] as string, this.#weights[item] ?? 0, [...(this.#neighbours[item] ?? [])].flat()];
      yield JSON.stringify(line);
    }
    for (const [userId, s] of this.#shoppers) {
      const line: ShopperLine = ['s', userId, s.items, s.levels, s.at, [...s.bought]];
      yield JSON.stringify(line);
    }
  }

  /** A model from `snapshotLines`' lines, in their order. */
  static fromSnapshotLines(lines: Iterable<string>, options: ItemModelOptions = {}): ItemModel {
    let model: ItemModel | undefined;
    for (const text of lines) {
      if (!model) {
        const header = JSON.parse(text) as SnapshotHeader;
        if (header.version !== 2) throw new Error(`a model snapshot of version ${header.version} is not readable here`);
        model = new ItemModel({ ...options, epoch: header.epoch });
        model.#interactions = header.interactions;
        continue;
      }
      const line = JSON.parse(text) as ProductLine | ShopperLine;
      if (line[0] === 'p') {
        const [, id, weight, flat] = line;
        model.#index.set(id, model.#ids.length);
        model.#ids.push(id);
        model.#weights.push(weight);
        const row = new Map<number, number>();
        for (let k = 0; k + 1 < flat.length; k += 2) row.set(flat[k] as number, flat[k + 1] as number);
        model.#neighbours.push(row);
      } else {
        const [, userId, items, levels, at, bought] = line;
        model.#shoppers.set(userId, { items, levels, at, bought: new Set(bought) });
      }
    }
    return model ?? new ItemModel(options);
  }

  #itemIndex(productId: string): number {
    let item = this.#index.get(productId);
    if (item === undefined) {
      item = this.#ids.length;
      this.#index.set(productId, item);
      this.#ids.push(productId);
      this.#weights.push(0);
      this.#neighbours.push(new Map());
    }
    return item;
  }

  #shopper(userId: string): Shopper {
    let shopper = this.#shoppers.get(userId);
    if (!shopper) {
      shopper = { items: [], levels: [], at: [], bought: new Set() };
      this.#shoppers.set(userId, shopper);
    }
    return shopper;
  }

  #growth(at: number): number {
    if ((at - this.epoch) / this.#halfLifeMs > REBASE_AFTER_HALF_LIVES) this.#rebase(at);
    return 2 ** ((at - this.epoch) / this.#halfLifeMs);
  }

  /** Moves the epoch to `at`, scaling what is stored by the growth it had reached: same ranking, small numbers. */
  #rebase(at: number): void {
    const scale = 2 ** ((this.epoch - at) / this.#halfLifeMs);
    for (let item = 0; item < this.#weights.length; item++) this.#weights[item] = (this.#weights[item] ?? 0) * scale;
    for (const row of this.#neighbours) for (const [other, value] of row) row.set(other, value * scale);
    this.epoch = at;
    this.#popularStale = true;
  }

  #pair(from: number, to: number, amount: number): void {
    const row = this.#neighbours[from] as Map<number, number>;
    row.set(to, (row.get(to) ?? 0) + amount);
    if (row.size > 2 * this.#maxNeighbours) {
      const kept = [...row].sort((a, b) => b[1] - a[1]).slice(0, this.#maxNeighbours);
      this.#neighbours[from] = new Map(kept);
    }
  }

  /** Similarities of `item`'s neighbours, each times `weight`. */
  #similarities(item: number, weight: number, now: number): Map<number, number> {
    const answer = new Map<number, number>();
    const own = this.#weights[item] ?? 0;
    if (own <= 0) return answer;
    const shrink = this.#shrinkage * this.#growth(now);
    for (const [other, together] of this.#neighbours[item] ?? []) {
      const theirs = this.#weights[other] ?? 0;
      if (theirs <= 0) continue;
      const cosine = together / Math.sqrt(own * theirs);
      answer.set(other, weight * cosine * (together / (together + shrink)));
    }
    return answer;
  }

  #best(scores: Map<number, number>, limit: number, skip: (item: number) => boolean): Scored[] {
    return [...scores]
      .filter(([item, score]) => score > 0 && !skip(item))
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, limit)
      .map(([item, score]) => ({ productId: this.#ids[item] as string, score }));
  }
}

interface SnapshotHeader {
  version: 2;
  epoch: number;
  interactions: number;
}
/** A product: its id, weight and neighbours flattened as [item, co-occurrence, item, co-occurrence, …]. */
type ProductLine = ['p', id: string, weight: number, neighbours: number[]];
type ShopperLine = ['s', userId: string, items: number[], levels: number[], at: number[], bought: number[]];
