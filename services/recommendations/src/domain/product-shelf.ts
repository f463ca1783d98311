import type { ProductSummary } from '@mercato/contracts';

/**
 * The listed products recommendations may answer with, as summaries (API.md), kept from the
 * catalog's pages and its events. Only what is here is ever recommended: an archived product leaves.
 */
export class ProductShelf {
  #products = new Map<string, ProductSummary>();
  #synced = false;
  /** While the catalog is being read: the changes applied meanwhile, to apply again over what was read. */
  #duringSync: (() => void)[] | undefined;
  /**
   * Newest-first lists by category ('' for all), ranked again by `rankNewest` after a change; until
   * then answers use the previous ones (an archived product in them is skipped: answers take only
   * what `has` knows).
   */
  #newest: Map<string, ProductSummary[]> | undefined;
  #newestStale = false;

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
    this.#duringSync?.push(() => this.#products.set(summary.id, summary));
    this.#products.set(summary.id, summary);
    this.#newestStale = true;
  }

  remove(productId: string): void {
    this.#duringSync?.push(() => this.#products.delete(productId));
    if (this.#products.delete(productId)) this.#newestStale = true;
  }

  /** A read of the whole catalog begins: changes from now on are kept to be applied over it. */
  beginSync(): void {
    this.#duringSync = [];
  }

  /** The read failed: the shelf stays as it is. */
  abandonSync(): void {
    this.#duringSync = undefined;
  }

  /**
   * The whole listed catalog as read (what it lacks was archived), then the changes applied since
   * `beginSync`: a product archived or listed while the pages were read keeps its newer state.
   */
  replaceAll(summaries: Iterable<ProductSummary>): void {
    this.#products = new Map([...summaries].map((summary) => [summary.id, summary]));
    for (const change of this.#duringSync ?? []) change();
    this.#duringSync = undefined;
    this.#synced = true;
    this.#newestStale = true;
  }

  /** Newest first (ids are UUIDv7, so their order is their creation order), optionally of one category. */
  newest(category?: string): readonly ProductSummary[] {
    if (!this.#newest) this.rankNewest();
    return this.#newest?.get(category ?? '') ?? [];
  }

  /**
   * Sorts the newest-first lists again after a change (the feed and the catalog read call it, so an
   * answer does not): the whole shelf and each category, in one pass.
   */
  rankNewest(): void {
    if (this.#newest && !this.#newestStale) return;
    const all = [...this.#products.values()].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    const lists = new Map<string, ProductSummary[]>([['', all]]);
    for (const summary of all) {
      const list = lists.get(summary.category) ?? [];
      if (list.length === 0) lists.set(summary.category, list);
      list.push(summary);
    }
    this.#newest = lists;
    this.#newestStale = false;
  }
}
