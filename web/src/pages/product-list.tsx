import type { Product } from '../lib/types.ts';
import { usePagedList } from '../lib/use-paged-list.ts';
import { LoadMore } from '../ui/load-more.tsx';
import { ProductGrid } from '../ui/product-card.tsx';
import { CardSkeletons, Empty, Failed } from '../ui/status.tsx';

/** A product listing that grows with "Load more" (the API's cursor), for a category or a search. */
export function ProductList({ query, emptyTitle }: { query: URLSearchParams; emptyTitle: string }) {
  const list = usePagedList<Product>(`/api/products?${query}`, { limit: 24 });
  if (list.state === 'loading') return <CardSkeletons />;
  if (list.state === 'failed' && list.items.length === 0) return <Failed error={list.error} />;
  if (list.items.length === 0) return <Empty title={emptyTitle}>Try other words or fewer filters.</Empty>;
  return (
    <>
      <p class="result-count" role="status">
        Showing {list.items.length} {list.items.length === 1 ? 'product' : 'products'}
      </p>
      <ProductGrid products={list.items} />
      <LoadMore list={list} />
    </>
  );
}
