import type { Recommendations } from '../lib/types.ts';
import { ProductGrid } from './product-card.tsx';
import { CardSkeletons } from './status.tsx';

/**
 * A row of recommended products under a heading that says why they are there. `data-strategy` is
 * the strategy the recommendations service answered with (item_similarity, personal, popularity).
 */
export function RecommendationRow({ id, title, answer }: { id: string; title: string; answer: Recommendations }) {
  return (
    <section aria-labelledby={id} class="recommendations" data-strategy={answer.strategy}>
      <h2 id={id}>{title}</h2>
      <ProductGrid products={answer.items} eagerCount={0} labelledBy={id} />
    </section>
  );
}

/** The room a row takes while it loads (a heading's height and `count` grey cards), so nothing jumps when it comes. */
export function RecommendationRowSkeleton({ count }: { count: number }) {
  return (
    <section class="recommendations" aria-hidden="true">
      <div class="heading-skeleton" />
      <CardSkeletons count={count} />
    </section>
  );
}
