import { useEffect, useState } from 'preact/hooks';
import { api } from '../../lib/api.ts';
import { categoriesOnce } from '../../lib/categories.ts';
import { minorPerMajor, parseMajor } from '../../lib/money.ts';
import { ApiError, describeError } from '../../lib/problem.ts';
import { Link, navigate } from '../../lib/router.tsx';
import { useShopCurrency } from '../../lib/shop-currency.ts';
import { useTitle } from '../../lib/title.ts';
import { toast } from '../../lib/toast.ts';
import type { Product } from '../../lib/types.ts';
import { useAsync } from '../../lib/use-async.ts';
import { usePagedList } from '../../lib/use-paged-list.ts';
import { Field, TextArea } from '../../ui/field.tsx';
import { LoadMore } from '../../ui/load-more.tsx';
import { Price } from '../../ui/money.tsx';
import { Empty, Failed, Loading } from '../../ui/status.tsx';

export function ProductsAdminPage() {
  useTitle('Admin · Products');
  const [q, setQ] = useState('');
  const [search, setSearch] = useState('');
  const list = usePagedList<Product>(search ? `/api/products?q=${encodeURIComponent(search)}` : '/api/products', { limit: 50, auth: true });
  const items = list.items;
  return (
    <section>
      <div class="page-heading">
        <h1>Products</h1>
        <Link href="/admin/products/new" class="button">
          New product
        </Link>
      </div>
      <form
        role="search"
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          setSearch(q.trim());
        }}
      >
        <Field label="Search products" type="search" value={q} maxLength={200} onInput={(e) => setQ(e.currentTarget.value)} />
        <button type="submit" class="button button-secondary">
          Search
        </button>
      </form>
      {list.state === 'loading' && <Loading />}
      {list.state === 'failed' && items.length === 0 && <Failed error={list.error} />}
      {list.state === 'ready' && items.length === 0 && <Empty title="No products found" />}
      {list.state !== 'loading' && items.length > 0 && (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Category</th>
              <th scope="col">SKU</th>
              <th scope="col">Price</th>
            </tr>
          </thead>
          <tbody>
            {items.map((p) => (
              <tr key={p.id}>
                <td>
                  <Link href={`/admin/products/${p.id}`}>{p.name}</Link>
                </td>
                <td>{p.category}</td>
                <td>{p.sku}</td>
                <td>
                  <Price money={p.price} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMore list={list} />
    </section>
  );
}

interface ProductForm {
  name: string;
  slug: string;
  sku: string;
  category: string;
  description: string;
  price: string;
  attributes: string;
}

function attributesText(attributes: Product['attributes']): string {
  return Object.entries(attributes)
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? JSON.stringify(v) : String(v)}`)
    .join('\n');
}

/**
 * `color: red` lines → `{ color: 'red' }`. A value that reads as JSON keeps its type (`12`, `true`,
 * `["S", "M"]`), so saving a product unchanged changes none of its attributes. Undefined when a line has no `name: value`.
 */
function parseAttributes(text: string): Product['attributes'] | undefined {
  const out: Product['attributes'] = {};
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const at = line.indexOf(':');
    if (at <= 0) return undefined;
    const key = line.slice(0, at).trim();
    const value = line.slice(at + 1).trim();
    out[key] = typedValue(value);
  }
  return out;
}

function typedValue(text: string): Product['attributes'][string] {
  if (!/^(-?\d+(\.\d+)?|true|false|\[.*\])$/.test(text)) return text;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'number' || typeof parsed === 'boolean') return parsed;
    if (Array.isArray(parsed) && parsed.every((v) => typeof v === 'string' || typeof v === 'number')) return parsed as (string | number)[];
  } catch {
    // Not JSON after all: kept as written.
  }
  return text;
}

function slugify(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 100);
}

export function ProductEditPage({ id }: { id: string | undefined }) {
  const currency = useShopCurrency() ?? 'USD';
  const [loaded] = useAsync(
    (signal) => (id ? api<Product>(`/api/products/${id}`, { signal, auth: true }) : Promise.resolve(undefined)),
    [id],
  );
  const [categories] = useAsync(() => categoriesOnce(), []);
  const [form, setForm] = useState<ProductForm>({ name: '', slug: '', sku: '', category: '', description: '', price: '', attributes: '' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const product = loaded.state === 'ready' ? loaded.value : undefined;
  useTitle(id ? `Admin · ${product?.name ?? 'Product'}` : 'Admin · New product');

  useEffect(() => {
    if (!product) return;
    setForm({
      name: product.name,
      slug: product.slug,
      sku: product.sku,
      category: product.category,
      description: product.description,
      price: String(product.price.amount / minorPerMajor(product.price.currency)),
      attributes: attributesText(product.attributes),
    });
  }, [product]);

  if (id && loaded.state === 'loading') return <Loading />;
  if (loaded.state === 'failed') return <Failed error={loaded.error} />;
  const set = (name: keyof ProductForm) => (e: { currentTarget: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement }) =>
    setForm({ ...form, [name]: e.currentTarget.value });

  const save = async () => {
    const amount = parseMajor(form.price, currency);
    const attributes = parseAttributes(form.attributes);
    const problems: Record<string, string> = {};
    if (amount === undefined) problems.price = 'Enter a price like 19.99.';
    if (!attributes) problems.attributes = 'Write one attribute a line, as name: value.';
    if (Object.keys(problems).length > 0 || amount === undefined || !attributes) return setErrors(problems);
    setErrors({});
    setBusy(true);
    const body: Record<string, unknown> = {
      name: form.name.trim(),
      category: form.category.trim(),
      description: form.description,
      price: { amount, currency },
      attributes,
    };
    try {
      if (id) {
        const saved = await api<Product>(`/api/products/${id}`, { method: 'PATCH', auth: true, body });
        toast(`${saved.name} is saved`, 'success');
      } else {
        const slug = form.slug.trim() || slugify(form.name);
        const created = await api<Product>('/api/products', {
          method: 'POST',
          auth: true,
          body: { ...body, slug, sku: form.sku.trim(), images: [`/media/products/${slug}.svg`] },
        });
        toast(`${created.name} is created`, 'success');
        navigate(`/admin/products/${created.id}`, { replace: true });
      }
    } catch (e) {
      if (e instanceof ApiError && e.errors.length > 0) {
        const fields = e.fieldErrors();
        if (fields['price.amount']) fields.price = fields['price.amount'];
        setErrors(fields);
      } else if (e instanceof ApiError && e.status === 409) setErrors({ slug: e.detail });
      else toast(describeError(e), 'error');
    } finally {
      setBusy(false);
    }
  };

  const archive = async () => {
    if (!id || !window.confirm(`Archive ${form.name}? It will no longer be listed or found.`)) return;
    try {
      await api(`/api/products/${id}`, { method: 'DELETE', auth: true });
      toast(`${form.name} is archived`, 'success');
      navigate('/admin/products');
    } catch (e) {
      toast(describeError(e), 'error');
    }
  };

  return (
    <section>
      <h1>{id ? `Edit ${product?.name ?? ''}` : 'New product'}</h1>
      <form
        class="form-card"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <Field label="Name" required maxLength={200} value={form.name} error={errors.name} onInput={set('name')} />
        {!id && (
          <div class="field-row">
            <Field
              label="Slug"
              hint="Part of the product's address; made from the name when empty."
              maxLength={100}
              value={form.slug}
              error={errors.slug}
              onInput={set('slug')}
            />
            <Field label="SKU" required maxLength={64} value={form.sku} error={errors.sku} onInput={set('sku')} />
          </div>
        )}
        <div class="field-row">
          <Field
            label="Category"
            required
            list="category-options"
            maxLength={64}
            value={form.category}
            error={errors.category}
            onInput={set('category')}
          />
          <datalist id="category-options">
            {categories.state === 'ready' && categories.value.items.map((c) => <option key={c.slug} value={c.slug} />)}
          </datalist>
          <Field
            label={`Price (${currency})`}
            required
            inputMode="decimal"
            value={form.price}
            error={errors.price}
            onInput={set('price')}
          />
        </div>
        <TextArea
          label="Description"
          rows={5}
          maxLength={10000}
          value={form.description}
          error={errors.description}
          onInput={set('description')}
        />
        <TextArea
          label="Attributes (one a line, name: value)"
          rows={4}
          value={form.attributes}
          error={errors.attributes}
          onInput={set('attributes')}
        />
        <div class="actions">
          <button type="submit" class="button" disabled={busy}>
            {busy ? 'Saving…' : id ? 'Save changes' : 'Create product'}
          </button>
          {id && (
            <button type="button" class="button button-danger" onClick={() => void archive()}>
              Archive
            </button>
          )}
          {product && (
            <Link href={`/products/${product.slug}`} class="button button-link">
              View in shop
            </Link>
          )}
        </div>
      </form>
    </section>
  );
}
