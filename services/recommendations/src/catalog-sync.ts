import { ProductSummariesResponse, type ProductSummary } from '@mercato/contracts';
import type { Logger, ServiceClient } from '@mercato/kit';
import { Compile } from 'typebox/compile';
import type { ProductShelf } from './domain/product-shelf.ts';

const validAnswer = Compile(ProductSummariesResponse);
const PAGE = 1_000;

/**
 * Keeps the shelf equal to the catalog's listed products: the whole catalog page by page (at start and
 * then periodically, because a seed writes products without events), and single products on demand.
 * Catalog events keep it current in between (handlers.ts).
 */
export class CatalogSync {
  readonly #client: ServiceClient;
  readonly #shelf: ProductShelf;
  readonly #log: Logger;

  constructor(client: ServiceClient, shelf: ProductShelf, log: Logger) {
    this.#client = client;
    this.#shelf = shelf;
    this.#log = log;
  }

  /** Reads every listed product and replaces the shelf with them. */
  async syncAll(): Promise<void> {
    const all: ProductSummary[] = [];
    let after: string | null = null;
    this.#shelf.beginSync();
    try {
      do {
        const page = await this.#ask(`limit=${PAGE}${after ? `&after=${after}` : ''}`);
        all.push(...page.items);
        after = page.nextAfter;
      } while (after !== null);
    } catch (error) {
      this.#shelf.abandonSync();
      throw error;
    }
    this.#shelf.replaceAll(all);
    this.#shelf.rankNewest();
    this.#log.debug({ products: all.length }, 'product shelf synced with the catalog');
  }

  /** The listed product behind `productId`, asked of the catalog and put on the shelf; undefined when it has none. */
  async fetch(productId: string): Promise<ProductSummary | undefined> {
    const page = await this.#ask(`ids=${encodeURIComponent(productId)}`);
    const found = page.items.find((item) => item.id === productId);
    if (found) this.#shelf.put(found);
    return found;
  }

  async #ask(query: string): Promise<ProductSummariesResponse> {
    const response = await this.#client.request<unknown>('catalog', {
      method: 'GET',
      path: `/internal/products/summaries?${query}`,
      timeoutMs: 5_000,
    });
    if (response.status !== 200 || !validAnswer.Check(response.body)) {
      throw new Error(`catalog answered the summaries request with ${response.status}`);
    }
    return response.body;
  }
}
