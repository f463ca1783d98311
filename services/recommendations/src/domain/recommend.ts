import type { ProductSummary } from '@mercato/contracts';
import type { ItemModel } from './item-model.ts';
import type { ProductShelf } from './product-shelf.ts';

export type Strategy = 'item_similarity' | 'personal' | 'popularity';

export interface Answer {
  items: ProductSummary[];
  strategy: Strategy;
}

/**
 * Fills an answer up to `limit`: first what the chosen strategy found, then for each category that
 * matters here its popular products and then its newest, then the same for the whole shop (a shop
 * nobody has used yet still gets an answer). Never a product twice, never one `refused`.
 */
class AnswerBuilder {
  readonly #items: ProductSummary[] = [];
  readonly #taken = new Set<string>();
  readonly shelf: ProductShelf;
  readonly limit: number;
  readonly refused: (productId: string) => boolean;

  constructor(shelf: ProductShelf, limit: number, refused: (productId: string) => boolean) {
    this.shelf = shelf;
    this.limit = limit;
    this.refused = refused;
  }

  get full(): boolean {
    return this.#items.length >= this.limit;
  }

  get size(): number {
    return this.#items.length;
  }

  /** Whether a product may still be added. */
  readonly open = (productId: string): boolean => !this.#taken.has(productId) && !this.refused(productId) && this.shelf.has(productId);

  add(productIds: Iterable<string>): void {
    for (const productId of productIds) {
      if (this.full) return;
      const summary = this.shelf.get(productId);
      if (!summary || !this.open(productId)) continue;
      this.#items.push(summary);
      this.#taken.add(productId);
    }
  }

  /** Per category in turn (`undefined`: the whole shop), its popular products, then its newest. */
  addPopular(model: ItemModel, categories: readonly (string | undefined)[]): void {
    for (const category of categories) {
      if (this.full) return;
      const inCategory = (productId: string) => category === undefined || this.shelf.get(productId)?.category === category;
      this.add(model.popular(this.limit - this.size, (id) => !this.open(id) || !inCategory(id)).map((s) => s.productId));
      for (const summary of this.shelf.newest(category)) {
        if (this.full) return;
        this.add([summary.id]);
      }
    }
  }

  get items(): ProductSummary[] {
    return this.#items;
  }
}

/**
 * A product page's row: products shoppers tied to this one (bought, carted or viewed together); a
 * product nobody tied to others gets the popular products of its category. Never itself, and for a
 * signed-in viewer never what they bought.
 */
export function forProduct(model: ItemModel, shelf: ProductShelf, productId: string, limit: number, viewer?: string): Answer {
  const bought = viewer === undefined ? new Set<string>() : model.boughtBy(viewer);
  const refused = (id: string) => id === productId || bought.has(id);
  const answer = new AnswerBuilder(shelf, limit, refused);
  answer.add(model.similarTo(productId, limit, (id) => !answer.open(id)).map((s) => s.productId));
  const strategy: Strategy = answer.size > 0 ? 'item_similarity' : 'popularity';
  answer.addPopular(model, [shelf.get(productId)?.category, undefined]);
  return { items: answer.items, strategy };
}

/**
 * A shopper's own row: from what they viewed, carted and bought lately; never what they bought. A
 * shopper the model does not know gets what is popular.
 */
export function forShopper(model: ItemModel, shelf: ProductShelf, userId: string, limit: number): Answer {
  const bought = model.boughtBy(userId);
  const answer = new AnswerBuilder(shelf, limit, (id) => bought.has(id));
  answer.add(model.forShopper(userId, limit, (id) => !answer.open(id)).map((s) => s.productId));
  const strategy: Strategy = answer.size > 0 ? 'personal' : 'popularity';
  const recentCategories = [...new Set(model.recentOf(userId).map((id) => shelf.get(id)?.category))].filter((c) => c !== undefined);
  answer.addPopular(model, [...recentCategories, undefined]);
  return { items: answer.items, strategy };
}
