import { categoriesOnce, categoryName } from '../lib/categories.ts';
import { navigate, useLocation } from '../lib/router.tsx';
import { useTitle } from '../lib/title.ts';
import { useAsync } from '../lib/use-async.ts';
import { ProductList } from './product-list.tsx';
import { SortSelect } from './search.tsx';

export function CategoryPage({ params }: { params: Record<string, string> }) {
  const slug = params.slug ?? '';
  const { query } = useLocation();
  const [categories] = useAsync(() => categoriesOnce(), []);
  const name = categoryName(slug, categories.state === 'ready' ? categories.value.items : undefined);
  useTitle(name);
  const sort = query.get('sort') ?? 'newest';
  const listQuery = new URLSearchParams({ category: slug, sort });
  return (
    <div class="page">
      <div class="page-heading">
        <h1>{name}</h1>
        <SortSelect
          value={sort}
          withRelevance={false}
          onChange={(next) => navigate(`/categories/${slug}?sort=${next}`, { replace: true })}
        />
      </div>
      <ProductList query={listQuery} emptyTitle="No products in this category yet" />
    </div>
  );
}
