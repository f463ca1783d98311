import { useEffect, useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { changeCart } from '../lib/cart.ts';
import { categoriesOnce, categoryName } from '../lib/categories.ts';
import { describeError } from '../lib/problem.ts';
import { Link, navigate } from '../lib/router.tsx';
import { session } from '../lib/session.ts';
import { useTitle } from '../lib/title.ts';
import { toast } from '../lib/toast.ts';
import type { Availability, Category, Recommendations, StorefrontProduct } from '../lib/types.ts';
import { useAsync } from '../lib/use-async.ts';
import { Price } from '../ui/money.tsx';
import { RecommendationRow } from '../ui/recommendation-row.tsx';
import { Failed, Loading } from '../ui/status.tsx';
import { NotFoundPage } from './not-found.tsx';

/** How often an open product page asks for its stock again. */
const AVAILABILITY_REFRESH_MS = 15_000;
const FEW_LEFT = 5;

function availabilityText(available: number | undefined): { text: string; tone: string } {
  if (available === undefined) return { text: 'Availability unknown right now', tone: 'muted' };
  if (available <= 0) return { text: 'Out of stock', tone: 'bad' };
  if (available <= FEW_LEFT) return { text: `Only ${available} left`, tone: 'warn' };
  return { text: 'In stock', tone: 'good' };
}

/** `batteryHours` → `Battery hours`. */
function attributeName(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replaceAll('_', ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * What the row under a product is called. Popularity starts with the product's own category and
 * fills from the whole shop (or, in a shop nobody has used yet, with the newest products), so its
 * row names the category only when every product in it is from there.
 */
function recommendationTitle(row: Recommendations, category: string, categories: Category[] | undefined): string {
  if (row.strategy === 'item_similarity') return 'Customers also bought';
  if (row.items.every((item) => item.category === category)) return `More in ${categoryName(category, categories)}`;
  return 'You may also like';
}

function attributeText(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  return Array.isArray(value) ? value.join(', ') : String(value);
}

export function ProductPage({ params }: { params: Record<string, string> }) {
  const slug = params.slug ?? '';
  const [page, retry] = useAsync(
    (signal) => api<StorefrontProduct>(`/api/storefront/products/${encodeURIComponent(slug)}`, { signal, auth: 'ifSignedIn' }),
    [slug],
  );
  const [categories] = useAsync(() => categoriesOnce(), []);
  const [availability, setAvailability] = useState<Availability | null>(null);
  const [quantity, setQuantity] = useState(1);
  const [adding, setAdding] = useState(false);
  const product = page.state === 'ready' ? page.value.product : undefined;
  useTitle(product?.name);

  useEffect(() => {
    if (page.state !== 'ready') return;
    setAvailability(page.value.availability);
    const sku = page.value.product.sku;
    const timer = setInterval(() => {
      api<Availability>(`/api/inventory/${encodeURIComponent(sku)}`)
        .then(setAvailability)
        .catch(() => undefined);
    }, AVAILABILITY_REFRESH_MS);
    return () => clearInterval(timer);
  }, [page]);

  if (page.state === 'loading') return <Loading label="Loading the product…" />;
  if (page.state === 'failed') {
    if ((page.error as { status?: number }).status === 404) return <NotFoundPage />;
    return <Failed error={page.error} retry={retry} />;
  }
  const { product: p, recommendations } = page.value;
  const categoryList = categories.state === 'ready' ? categories.value.items : undefined;
  const available = availability?.available;
  const status = availabilityText(available);
  const soldOut = available !== undefined && available <= 0;
  const max = Math.max(1, Math.min(99, available ?? 99));

  const add = async () => {
    if (!session.get()) {
      navigate(`/sign-in?next=${encodeURIComponent(`/products/${p.slug}`)}`);
      return;
    }
    setAdding(true);
    try {
      await changeCart('/api/cart/items', 'POST', { sku: p.sku, quantity });
      toast(`${quantity} × ${p.name} added to your cart`, 'success');
    } catch (error) {
      toast(describeError(error), 'error');
    } finally {
      setAdding(false);
    }
  };

  return (
    <div class="page">
      <nav class="breadcrumbs" aria-label="Breadcrumb">
        <ol>
          <li>
            <Link href="/">Home</Link>
          </li>
          <li>
            <Link href={`/categories/${p.category}`}>{categoryName(p.category, categoryList)}</Link>
          </li>
          <li aria-current="page">{p.name}</li>
        </ol>
      </nav>
      <article class="product">
        <div class="product-image">
          {p.images[0] && <img src={p.images[0]} alt={p.name} width={800} height={600} fetchpriority="high" />}
        </div>
        <div class="product-info">
          <h1>{p.name}</h1>
          <Price money={p.price} class="price price-large" />
          <p class={`availability availability-${status.tone}`} data-testid="availability">
            {status.text}
          </p>
          <form
            class="add-to-cart"
            onSubmit={(event) => {
              event.preventDefault();
              void add();
            }}
          >
            <div class="field field-inline">
              <label for="quantity">Quantity</label>
              <input
                id="quantity"
                type="number"
                min={1}
                max={max}
                value={quantity}
                disabled={soldOut}
                onInput={(e) => setQuantity(Math.max(1, Math.min(max, Math.trunc(Number(e.currentTarget.value)) || 1)))}
              />
            </div>
            <button type="submit" class="button button-large" disabled={soldOut || adding}>
              {soldOut ? 'Out of stock' : adding ? 'Adding…' : 'Add to cart'}
            </button>
          </form>
          <div class="description">{p.description}</div>
          {Object.keys(p.attributes).length > 0 && (
            <dl class="attributes">
              {Object.entries(p.attributes).map(([name, value]) => (
                <div key={name}>
                  <dt>{attributeName(name)}</dt>
                  <dd>{attributeText(value)}</dd>
                </div>
              ))}
            </dl>
          )}
          <p class="sku">SKU {p.sku}</p>
        </div>
      </article>
      {/* Composed with the product by the gateway: it comes with the page, never after it. */}
      {recommendations && recommendations.items.length > 0 && (
        <RecommendationRow
          id="recommendations-heading"
          title={recommendationTitle(recommendations, p.category, categoryList)}
          answer={recommendations}
        />
      )}
    </div>
  );
}
