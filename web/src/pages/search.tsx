import { useState } from 'preact/hooks';
import { categoriesOnce } from '../lib/categories.ts';
import { minorPerMajor, parseMajor } from '../lib/money.ts';
import { navigate, useLocation } from '../lib/router.tsx';
import { useShopCurrency } from '../lib/shop-currency.ts';
import { useTitle } from '../lib/title.ts';
import { useAsync } from '../lib/use-async.ts';
import { ProductList } from './product-list.tsx';

const SORTS: [string, string][] = [
  ['relevance', 'Best match'],
  ['newest', 'Newest'],
  ['price_asc', 'Price: low to high'],
  ['price_desc', 'Price: high to low'],
];

export function SortSelect({ value, onChange, withRelevance }: { value: string; onChange: (v: string) => void; withRelevance: boolean }) {
  return (
    <div class="field field-inline">
      <label for="sort">Sort by</label>
      <select id="sort" value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        {SORTS.filter(([v]) => withRelevance || v !== 'relevance').map(([v, label]) => (
          <option key={v} value={v}>
            {label}
          </option>
        ))}
      </select>
    </div>
  );
}

function majorText(minor: string | null, currency: string): string {
  if (!minor || !/^\d+$/.test(minor)) return '';
  return String(Number(minor) / minorPerMajor(currency));
}

export function SearchPage() {
  const { query } = useLocation();
  const q = query.get('q') ?? '';
  const category = query.get('category') ?? '';
  const sort = query.get('sort') ?? (q ? 'relevance' : 'newest');
  const currency = useShopCurrency() ?? 'USD';
  const [minPrice, setMinPrice] = useState(majorText(query.get('minPrice'), currency));
  const [maxPrice, setMaxPrice] = useState(majorText(query.get('maxPrice'), currency));
  const [priceError, setPriceError] = useState<string>();
  const [categories] = useAsync(() => categoriesOnce(), []);
  useTitle(q ? `Search: ${q}` : 'All products');

  const go = (changes: Record<string, string>) => {
    const next = new URLSearchParams(query);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    navigate(`/search?${next}`, { replace: true });
  };

  const listQuery = new URLSearchParams();
  if (q) listQuery.set('q', q);
  if (category) listQuery.set('category', category);
  for (const name of ['minPrice', 'maxPrice']) {
    const v = query.get(name);
    if (v && /^\d+$/.test(v)) listQuery.set(name, v);
  }
  listQuery.set('sort', !q && sort === 'relevance' ? 'newest' : sort);

  return (
    <div class="page">
      <div class="page-heading">
        <h1>{q ? `Results for “${q}”` : 'All products'}</h1>
        <SortSelect value={sort} withRelevance={Boolean(q)} onChange={(v) => go({ sort: v })} />
      </div>
      <div class="search-layout">
        <aside class="filters" aria-label="Filters">
          <form
            onSubmit={(event) => {
              event.preventDefault();
              const min = minPrice ? parseMajor(minPrice, currency) : 0;
              const max = maxPrice ? parseMajor(maxPrice, currency) : 0;
              if (min === undefined || max === undefined) return setPriceError('Enter prices as numbers, like 25 or 19.99.');
              if (minPrice && maxPrice && min > max) return setPriceError('The lowest price is above the highest.');
              setPriceError(undefined);
              go({ minPrice: minPrice ? String(min) : '', maxPrice: maxPrice ? String(max) : '' });
            }}
          >
            <div class="field">
              <label for="filter-category">Category</label>
              <select id="filter-category" value={category} onChange={(e) => go({ category: e.currentTarget.value })}>
                <option value="">All categories</option>
                {categories.state === 'ready' &&
                  categories.value.items.map((c) => (
                    <option key={c.slug} value={c.slug}>
                      {c.name}
                    </option>
                  ))}
              </select>
            </div>
            <fieldset class="price-range">
              <legend>Price ({currency})</legend>
              <div class="field">
                <label for="min-price">Lowest</label>
                <input id="min-price" inputMode="decimal" value={minPrice} onInput={(e) => setMinPrice(e.currentTarget.value)} />
              </div>
              <div class="field">
                <label for="max-price">Highest</label>
                <input id="max-price" inputMode="decimal" value={maxPrice} onInput={(e) => setMaxPrice(e.currentTarget.value)} />
              </div>
            </fieldset>
            {priceError && (
              <p class="field-error" role="alert">
                {priceError}
              </p>
            )}
            <button type="submit" class="button button-secondary">
              Apply price
            </button>
          </form>
        </aside>
        <section class="results" aria-label="Results">
          <ProductList query={listQuery} emptyTitle={q ? `Nothing matches “${q}”` : 'No products match'} />
        </section>
      </div>
    </div>
  );
}
