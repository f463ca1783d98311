import { ItemModel, type ItemModelOptions } from '../../../services/recommendations/src/domain/item-model.ts';
import { feed } from './feed.ts';
import { type MemoryFigures, settledMemory } from './memory.ts';
import type { DayBatch } from './sessions.ts';

export interface IngestFigures {
  events: number;
  applySeconds: number;
  products: number;
  shoppers: number;
  before: MemoryFigures;
  after: MemoryFigures;
  /** Heap used after minus before: the model's live size. */
  modelBytes: number;
}

/**
 * Every event, in time order, into a fresh model: events per second of ItemModel.apply, and memory
 * before and after (each after a forced full GC). The days are streamed, so only the model stays.
 */
export function measureIngest(
  days: Iterable<DayBatch>,
  options: ItemModelOptions & { epoch: number },
  seed: number,
  progress: (line: string) => void,
): IngestFigures {
  const before = settledMemory();
  const model = new ItemModel(options);
  let reported = 0;
  const fed = feed(model, days, seed, Number.POSITIVE_INFINITY, (f) => {
    if (f.events - reported >= 1_000_000) {
      reported = f.events;
      progress(`ingest: ${f.events} events, ${Math.round(f.events / f.applySeconds)} events/s so far`);
    }
  });
  const after = settledMemory();
  return {
    events: fed.events,
    applySeconds: fed.applySeconds,
    products: model.products,
    shoppers: model.shoppers,
    before,
    after,
    modelBytes: after.heapUsed - before.heapUsed,
  };
}
