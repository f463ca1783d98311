import type { CatalogProduct } from '@mercato/contracts';
import type { ProductRow } from './store.ts';

/** A product as the API shows it (API.md, "Catalog") and as the created/updated events carry it. */
export function productView(row: ProductRow): CatalogProduct {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    category: row.category,
    price: { amount: Number(row.price_amount), currency: row.currency },
    sku: row.sku,
    images: row.images,
    attributes: row.attributes,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
