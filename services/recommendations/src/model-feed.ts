import type { Logger } from '@mercato/kit';
import { ItemModel, type ItemModelOptions } from './domain/item-model.ts';
import { type ModelChange, type Position, START } from './domain/model-change.ts';
import type { ProductShelf } from './domain/product-shelf.ts';
import { after, type RecommendationsStore } from './store.ts';

const BATCH = 5_000;

/**
 * This instance's model, fed from `model_changes`: loaded from the latest snapshot at start, then
 * every change after its position, polled (every instance reads every change, whichever instance
 * consumed the event), and written back as a snapshot now and then.
 */
export class ModelFeed {
  model: ItemModel;
  readonly #store: RecommendationsStore;
  readonly #shelf: ProductShelf;
  readonly #options: ItemModelOptions;
  readonly #log: Logger;
  #position: Position = START;
  #sinceSnapshot = 0;
  #caughtUp = false;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(store: RecommendationsStore, shelf: ProductShelf, options: ItemModelOptions, log: Logger) {
    this.#store = store;
    this.#shelf = shelf;
    this.#options = options;
    this.#log = log;
    this.model = new ItemModel(options);
  }

  /** True once every change committed before the last poll began has been applied. */
  get caughtUp(): boolean {
    return this.#caughtUp;
  }

  async load(): Promise<void> {
    await this.#exclusive(() => this.#load());
  }

  async #load(): Promise<void> {
    const snapshot = await this.#store.latestSnapshot();
    if (!snapshot) return;
    const lines: string[] = [];
    for await (const line of snapshot.lines) lines.push(line);
    this.model = ItemModel.fromSnapshotLines(lines, this.#options);
    this.#position = snapshot.position;
    this.#log.info({ interactions: this.model.interactions, products: this.model.products }, 'model loaded from its snapshot');
  }

  /** Applies every change visible now; resolves with how many. */
  poll(): Promise<number> {
    return this.#exclusive(() => this.#poll());
  }

  async #poll(): Promise<number> {
    // Behind where the log was trimmed (this instance was away for long): the snapshot has what it missed.
    const trimmed = await this.#store.trimmedTo();
    if (trimmed && after(trimmed, this.#position)) {
      this.#log.warn({ position: this.#position, trimmed }, 'behind the trimmed change log: reloading the model from its snapshot');
      await this.#load();
    }
    let applied = 0;
    for (;;) {
      const rows = await this.#store.changesAfter(this.#position, BATCH);
      for (const row of rows) {
        this.#apply(row.change);
        this.#position = row.position;
      }
      applied += rows.length;
      if (rows.length < BATCH) break;
    }
    this.#sinceSnapshot += applied;
    this.#caughtUp = true;
    // Popularity moves slowly: ranked again at most once a second, here rather than in an answer.
    this.model.rankPopular(1_000);
    this.#shelf.rankNewest();
    return applied;
  }

  /**
   * Writes a snapshot when something changed since the last one; false when another instance's is
   * newer or being written. No change is applied while it is written (polls wait), so the model and
   * its position agree; answers go on meanwhile.
   */
  snapshot(): Promise<boolean> {
    return this.#exclusive(async () => {
      if (this.#sinceSnapshot === 0) return false;
      const saved = await this.#store.saveSnapshot(this.#position, this.model.snapshotLines(), '1 hour');
      this.#sinceSnapshot = 0;
      return saved;
    });
  }

  /** Runs `work` after whatever poll, load or snapshot is running. */
  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work);
    this.#queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  #apply(change: ModelChange): void {
    switch (change.kind) {
      case 'view':
      case 'cart':
      case 'purchase':
        this.model.apply(change);
        return;
      case 'listed':
        this.#shelf.put(change.product);
        return;
      case 'archived':
        this.#shelf.remove(change.productId);
        this.model.forget(change.productId);
    }
  }
}
