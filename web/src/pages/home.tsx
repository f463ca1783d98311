import { api } from '../lib/api.ts';
import { categoriesOnce } from '../lib/categories.ts';
import { Link } from '../lib/router.tsx';
import { useTitle } from '../lib/title.ts';
import type { Page, Product } from '../lib/types.ts';
import { useAsync } from '../lib/use-async.ts';
import { ProductGrid } from '../ui/product-card.tsx';
import { CardSkeletons, Failed } from '../ui/status.tsx';

export function HomePage() {
  useTitle(undefined);
  const [categories] = useAsync(() => categoriesOnce(), []);
  const [featured] = useAsync((signal) => api<Page<Product>>('/api/products?limit=8', { signal }), []);
  return (
    <div class="page">
      <section class="hero">
        <h1>Good things, fairly priced</h1>
        <p>Browse the whole shop, or start with a category.</p>
        <Link href="/search" class="button button-large">
          Shop all products
        </Link>
      </section>
      <section aria-labelledby="categories-heading">
        <h2 id="categories-heading">Categories</h2>
        {categories.state === 'loading' && (
          // Room for the tiles before they come, so the products below do not jump.
          <ul class="category-grid" aria-hidden="true">
            {Array.from({ length: 12 }, (_, i) => (
              <li key={i} class="category-tile skeleton" />
            ))}
          </ul>
        )}
        {categories.state === 'failed' && <Failed error={categories.error} />}
        {categories.state === 'ready' && (
          <ul class="category-grid">
            {categories.value.items.map((c) => (
              <li key={c.slug}>
                <Link href={`/categories/${c.slug}`} class="category-tile">
                  <span class="category-name">{c.name}</span>
                  <span class="category-count">{c.productCount} products</span>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="featured-heading">
        <h2 id="featured-heading">New in</h2>
        {featured.state === 'loading' && <CardSkeletons />}
        {featured.state === 'failed' && <Failed error={featured.error} />}
        {featured.state === 'ready' && <ProductGrid products={featured.value.items} />}
      </section>
    </div>
  );
}
