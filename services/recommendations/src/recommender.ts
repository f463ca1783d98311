import { CommonProblems, HttpProblem, type Logger } from '@mercato/kit';
import type { CatalogSync } from './catalog-sync.ts';
import type { ItemModel } from './domain/item-model.ts';
import type { ProductShelf } from './domain/product-shelf.ts';
import type { ModelFeed } from './model-feed.ts';

/** What the routes answer from: this instance's model and shelf, and the catalog for a product not seen yet. */
export class Recommender {
  readonly shelf: ProductShelf;
  readonly #feed: ModelFeed;
  readonly #catalog: CatalogSync;
  readonly #log: Logger;

  constructor(feed: ModelFeed, shelf: ProductShelf, catalog: CatalogSync, log: Logger) {
    this.#feed = feed;
    this.shelf = shelf;
    this.#catalog = catalog;
    this.#log = log;
  }

  get model(): ItemModel {
    return this.#feed.model;
  }

  /** Whether the catalog lists this product: from the shelf, else (a product seeded since the last sync) from the catalog. */
  async listed(productId: string): Promise<boolean> {
    if (this.shelf.has(productId)) return true;
    try {
      return (await this.#catalog.fetch(productId)) !== undefined;
    } catch (error) {
      this.#log.warn({ err: error }, 'cannot ask the catalog about a product the shelf lacks');
      if (this.shelf.synced) return false;
      throw new HttpProblem(CommonProblems.serviceUnavailable, 'Recommendations cannot reach the catalog yet; try again shortly.', {
        headers: { 'retry-after': '1' },
      });
    }
  }
}
