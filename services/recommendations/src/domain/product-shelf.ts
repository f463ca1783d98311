import type { ProductSummary } from '@mercato/contracts';

/**
 * The listed products recommendations may answer with, as summaries (API.md), kept from the
 * catalog's pages and its events. Only what is here is ever recommended: an archived product leaves.
 */
export class ProductShelf {
  #products = new Map<string, ProductSummary>();
  #synced = false;

  /** True once the whole catalog was read at least once. */
  get synced(): boolean {
    return this.#synced;
  }

  get size(): number {
    return this.#products.size;
  }

  has(productId: string): boolean {
    return this.#products.has(productId);
  }

  get(productId: string): ProductSummary | undefined {
    return this.#products.get(productId);
  }

  put(summary: ProductSummary): void {
    this.#products.set(summary.id, summary);
  }

  remove(productId: string): void {
    this.#products.delete(productId);
  }

  /** The whole listed catalog as read just now; what it lacks was archived. */
  replaceAll(summaries: Iterable<ProductSummary>): void {
    this.#products = new Map([...summaries].map((summary) => [summary.id, summary]));
    this.#synced = true;
  }

  /** Newest first (ids are UUIDv7, so their order is their creation order), optionally of one category. */
  *newest(category?: string): Generator<ProductSummary> {
    const all = [...this.#products.values()];
    for (let k = all.length - 1; k >= 0; k--) {
      const summary = all[k] as ProductSummary;
      if (category === undefined || summary.category === category) yield summary;
    }
  }
}
