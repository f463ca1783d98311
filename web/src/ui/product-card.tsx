import { Link } from '../lib/router.tsx';
import type { Product, ProductSummary } from '../lib/types.ts';
import { Price } from './money.tsx';

/** A product in a grid: picture, name, price; the whole card links to its page. */
export function ProductCard({ product, eager = false }: { product: Product | ProductSummary; eager?: boolean }) {
  const image = 'images' in product ? product.images[0] : product.image;
  return (
    <li class="card">
      <Link href={`/products/${product.slug}`} class="card-link">
        <div class="card-image">
          {image && <img src={image} alt="" width={400} height={300} loading={eager ? 'eager' : 'lazy'} decoding="async" />}
        </div>
        <div class="card-body">
          <span class="card-title">{product.name}</span>
          <Price money={product.price} />
        </div>
      </Link>
    </li>
  );
}

/** A list of product cards, named "Products" unless `labelledBy` names the heading that says what they are. */
export function ProductGrid({
  products,
  eagerCount = 4,
  labelledBy,
}: {
  products: (Product | ProductSummary)[];
  eagerCount?: number;
  labelledBy?: string;
}) {
  return (
    <ul class="product-grid" aria-label={labelledBy ? undefined : 'Products'} aria-labelledby={labelledBy}>
      {products.map((p, i) => (
        <ProductCard key={p.id} product={p} eager={i < eagerCount} />
      ))}
    </ul>
  );
}
