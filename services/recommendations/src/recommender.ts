import { CommonProblems, HttpProblem, type Logger } from '@mercato/kit';
import type { CatalogSync } from './catalog-sync.ts';
import type { ItemModel } from './domain/item-model.ts';
import type { ProductShelf } from './domain/product-shelf.ts';
import type { ModelFeed } from './model-feed.ts';

/** How long an id the catalog did not know is answered 404 without asking again, and how many are kept. */
const MISS_TTL_MS = 10_000;
const MAX_MISSES = 10_000;

/** What the routes answer from: this instance's model and shelf, and the catalog for a product not seen yet. */
export class Recommender {
  readonly shelf: ProductShelf;
  readonly #feed: ModelFeed;
  readonly #catalog: CatalogSync;
  readonly #log: Logger;
  readonly #misses = new Map<string, number>();

  constructor(feed: ModelFeed, shelf: ProductShelf, catalog: CatalogSync, log: Logger) {
    this.#feed = feed;
    this.shelf = shelf;
    this.#catalog = catalog;
    this.#log = log;
  }

  get model(): ItemModel {
    return this.#feed.model;
  }

  /**
   * Whether the catalog lists this product: from the shelf, else (a product seeded since the last sync)
   * from the catalog; an id the catalog did not know is not asked again for a while, so random ids
   * cannot drive the catalog.
   */
  async listed(productId: string): Promise<boolean> {
    if (this.shelf.has(productId)) return true;
    const missedAt = this.#misses.get(productId);
    if (missedAt !== undefined && Date.now() - missedAt < MISS_TTL_MS) return false;
    try {
      const found = (await this.#catalog.fetch(productId)) !== undefined;
      if (!found) {
        if (this.#misses.size >= MAX_MISSES) this.#misses.clear();
        this.#misses.set(productId, Date.now());
      }
      return found;
    } catch (error) {
      this.#log.warn({ err: error }, 'cannot ask the catalog about a product the shelf lacks');
      if (this.shelf.synced) return false;
      throw new HttpProblem(CommonProblems.serviceUnavailable, 'Recommendations cannot reach the catalog yet; try again shortly.', {
        headers: { 'retry-after': '1' },
      });
    }
  }
}
