import { api } from '../lib/api.ts';
import { categoriesOnce } from '../lib/categories.ts';
import { Link } from '../lib/router.tsx';
import { useSession } from '../lib/session.ts';
import { useTitle } from '../lib/title.ts';
import type { Page, Product, Recommendations } from '../lib/types.ts';
import { useAsync } from '../lib/use-async.ts';
import { ProductGrid } from '../ui/product-card.tsx';
import { RecommendationRow, RecommendationRowSkeleton } from '../ui/recommendation-row.tsx';
import { CardSkeletons, Failed } from '../ui/status.tsx';

/** As many as "New in". The service fills a row up to its limit (popular, then newest products), so the placeholder's 8 cards are the row's size. */
const PICKS = 8;

/** `/me` answers `personal`, or `popularity` for a shopper it knows nothing about yet. */
const TITLES: Record<Recommendations['strategy'], string> = {
  personal: 'Picked for you',
  popularity: 'Popular right now',
  item_similarity: 'You may also like',
};

/**
 * A signed-in shopper's own row, below "New in": a row that fails or comes empty is left out, and
 * leaving it out moves nothing the shopper is looking at. Anonymous visitors never ask (the route
 * answers them 401).
 */
function PickedForYou() {
  const signedIn = useSession();
  const userId = signedIn?.user.id;
  const [picks] = useAsync(
    (signal) =>
      userId ? api<Recommendations>(`/api/recommendations/me?limit=${PICKS}`, { signal, auth: 'ifSignedIn' }) : Promise.resolve(undefined),
    [userId],
  );
  if (!userId || picks.state === 'failed') return null;
  if (picks.state === 'loading') return <RecommendationRowSkeleton count={PICKS} />;
  const answer = picks.value;
  if (!answer || answer.items.length === 0) return null;
  return <RecommendationRow id="picks-heading" title={TITLES[answer.strategy]} answer={answer} />;
}

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
      <PickedForYou />
    </div>
  );
}
