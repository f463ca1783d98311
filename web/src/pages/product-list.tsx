import { useEffect, useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import type { Page, Product } from '../lib/types.ts';
import { ProductGrid } from '../ui/product-card.tsx';
import { CardSkeletons, Empty, Failed } from '../ui/status.tsx';

/** A product listing that grows with "Load more" (the API's cursor), for a category or a search. */
export function ProductList({ query, emptyTitle }: { query: URLSearchParams; emptyTitle: string }) {
  const [items, setItems] = useState<Product[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [state, setState] = useState<'loading' | 'ready' | 'more' | 'failed'>('loading');
  const [error, setError] = useState<unknown>();
  const key = query.toString();

  const load = async (after: string | null, signal?: AbortSignal) => {
    const params = new URLSearchParams(query);
    params.set('limit', '24');
    if (after) params.set('cursor', after);
    const page = await api<Page<Product>>(`/api/products?${params}`, { signal });
    setItems((before) => (after ? [...before, ...page.items] : page.items));
    setCursor(page.nextCursor);
    setState('ready');
  };

  useEffect(() => {
    const controller = new AbortController();
    setState('loading');
    load(null, controller.signal).catch((e: unknown) => {
      if (controller.signal.aborted) return;
      setError(e);
      setState('failed');
    });
    return () => controller.abort();
  }, [key]);

  if (state === 'loading') return <CardSkeletons />;
  if (state === 'failed' && items.length === 0) return <Failed error={error} />;
  if (items.length === 0) return <Empty title={emptyTitle}>Try other words or fewer filters.</Empty>;
  return (
    <>
      <p class="result-count" role="status">
        Showing {items.length} {items.length === 1 ? 'product' : 'products'}
      </p>
      <ProductGrid products={items} />
      {state === 'failed' && <Failed error={error} />}
      {cursor && (
        <div class="load-more">
          <button
            type="button"
            class="button button-secondary"
            disabled={state === 'more'}
            onClick={() => {
              setState('more');
              load(cursor).catch((e: unknown) => {
                setError(e);
                setState('failed');
              });
            }}
          >
            {state === 'more' ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
    </>
  );
}
