import type { ProductSummary } from '@mercato/contracts';
import type { Interaction } from './item-model.ts';

/** One change to what recommendations knows, as written to `model_changes` and applied by every instance. */
export type ModelChange =
  | ({ kind: 'view' | 'cart' | 'purchase' } & Omit<Interaction, 'kind'>)
  | { kind: 'listed'; product: ProductSummary }
  | { kind: 'archived'; productId: string };

/** Where an instance is in `model_changes`: the last applied row's transaction id and sequence number. */
export interface Position {
  tx: string;
  seq: string;
}

export const START: Position = { tx: '0', seq: '0' };
