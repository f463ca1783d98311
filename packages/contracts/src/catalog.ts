import { type Static, Type } from 'typebox';
import { defineEvent } from './envelope.ts';

/** Money (API.md): an integer in minor units and an ISO 4217 currency, never a float. */
export const Money = Type.Object(
  {
    amount: Type.Integer({ minimum: 0 }),
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  },
  { additionalProperties: false },
);
export type Money = Static<typeof Money>;

/** A stock-keeping unit: what cart, inventory and orders know a product by. */
export const Sku = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' });

/** A product as the catalog shows it (API.md, "Catalog") and as its created/updated events carry it. */
export const CatalogProduct = Type.Object({
  id: Type.String({ format: 'uuid' }),
  slug: Type.String(),
  name: Type.String(),
  description: Type.String(),
  /** The category's slug. */
  category: Type.String(),
  price: Money,
  sku: Sku,
  images: Type.Array(Type.String()),
  attributes: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type CatalogProduct = Static<typeof CatalogProduct>;
/** What an admin sends to create a product: everything but what the catalog assigns. */
export type CatalogProductInput = Omit<CatalogProduct, 'id' | 'createdAt' | 'updatedAt'>;

// Every catalog event has the product id as its subject, so all events of one product keep their
// order (a SKU can change by PATCH, an id cannot). Consumers that key by SKU read it from `data`.

/** A product was created (and is listed). */
export const ProductCreated = defineEvent('catalog.product.created.v1', Type.Object({ product: CatalogProduct }));

/** A product changed (any field, the price included: a price change also publishes `catalog.price.changed.v1`). */
export const ProductUpdated = defineEvent('catalog.product.updated.v1', Type.Object({ product: CatalogProduct }));

/** A product was archived: no longer listed, found or sold. */
export const ProductDeleted = defineEvent(
  'catalog.product.deleted.v1',
  Type.Object({ productId: Type.String({ format: 'uuid' }), sku: Sku }, { additionalProperties: false }),
);

/** A product's price changed; `price` is the new one. */
export const PriceChanged = defineEvent(
  'catalog.price.changed.v1',
  Type.Object({ productId: Type.String({ format: 'uuid' }), sku: Sku, price: Money }, { additionalProperties: false }),
);

/** `POST /internal/products/by-sku` (service tokens only): the listed products behind some SKUs. */
export const ProductsBySkuRequest = Type.Object({ skus: Type.Array(Sku, { minItems: 1, maxItems: 100 }) }, { additionalProperties: false });
export type ProductsBySkuRequest = Static<typeof ProductsBySkuRequest>;

/** Unknown and archived SKUs are left out. */
export const ProductsBySkuResponse = Type.Object({
  items: Type.Array(
    Type.Object(
      { sku: Sku, productId: Type.String({ format: 'uuid' }), name: Type.String(), price: Money },
      { additionalProperties: false },
    ),
  ),
});
export type ProductsBySkuResponse = Static<typeof ProductsBySkuResponse>;

/** A product as a recommendation shows it (API.md "a product summary"). */
export const ProductSummary = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    slug: Type.String(),
    name: Type.String(),
    price: Money,
    image: Type.Union([Type.String(), Type.Null()]),
    category: Type.String(),
  },
  { additionalProperties: false },
);
export type ProductSummary = Static<typeof ProductSummary>;

/**
 * `GET /internal/products/summaries` (recommendations only): the listed products' summaries, by id.
 * Either `ids` (comma-separated, at most 100; unknown and archived ones are left out) or a page of
 * the whole listed catalog in id order (`after` the last id of the previous page, `limit` 1–1000).
 */
export const ProductSummariesQuery = Type.Object(
  {
    ids: Type.Optional(Type.String({ minLength: 36, maxLength: 3_800 })),
    after: Type.Optional(Type.String({ format: 'uuid' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000, default: 500 })),
  },
  { additionalProperties: false },
);
export type ProductSummariesQuery = Static<typeof ProductSummariesQuery>;

export const ProductSummariesResponse = Type.Object(
  { items: Type.Array(ProductSummary), nextAfter: Type.Union([Type.String(), Type.Null()]) },
  { additionalProperties: false },
);
export type ProductSummariesResponse = Static<typeof ProductSummariesResponse>;
