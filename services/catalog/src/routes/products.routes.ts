import { type CatalogProductInput, Sku } from '@mercato/contracts';
import { CommonProblems, type HttpApp, HttpProblem, type ProblemFieldError, traceparentOf, uuidv7 } from '@mercato/kit';
import { Type } from 'typebox';
import { decodeCursor, effectiveSort, encodeCursor, isUuid, SORTS } from '../domain/listing.ts';
import { CatalogProblems } from '../errors.ts';
import { sendCacheable } from '../http-cache.ts';
import { productView } from '../product-view.ts';
import { type CatalogStore, type Conflict, conflictOf, type ListedRow, type ProductChanges } from '../store.ts';

/** The largest price accepted: ten billion in major units of a two-decimal currency; far above any product, far below 2^53. */
const MAX_AMOUNT = 999_999_999_999;

/** Lowercase words joined by single dashes. */
const SLUG_PATTERN = '^[a-z0-9]+(-[a-z0-9]+)*$';
const Slug = Type.String({ minLength: 1, maxLength: 100, pattern: SLUG_PATTERN });
const CategorySlug = Type.String({ minLength: 1, maxLength: 64, pattern: SLUG_PATTERN });
const Price = Type.Object(
  { amount: Type.Integer({ minimum: 0, maximum: MAX_AMOUNT }), currency: Type.String({ pattern: '^[A-Z]{3}$' }) },
  { additionalProperties: false },
);
/**
 * A string, number, boolean or a list of strings and numbers. One `type` list, not a union: the kit's
 * ajv coerces types, and the first branch of a union would turn `40` into `"40"`; with a list, a value
 * of any listed type is kept as it is.
 */
const AttributeValue = Type.Unsafe<string | number | boolean | (string | number)[]>({
  type: ['string', 'number', 'boolean', 'array'],
  maxLength: 1000,
  items: { type: ['string', 'number'], maxLength: 200 },
  maxItems: 50,
});

const fields = {
  slug: Slug,
  name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
  description: Type.String({ maxLength: 10_000 }),
  category: CategorySlug,
  price: Price,
  sku: Sku,
  images: Type.Array(Type.String({ minLength: 1, maxLength: 2048 }), { maxItems: 20 }),
  attributes: Type.Record(Type.String(), AttributeValue, { maxProperties: 50, propertyNames: { minLength: 1, maxLength: 64 } }),
};

const NewProductBody = Type.Object(
  {
    slug: fields.slug,
    name: fields.name,
    description: Type.Optional(fields.description),
    category: fields.category,
    price: fields.price,
    sku: fields.sku,
    images: Type.Optional(fields.images),
    attributes: Type.Optional(fields.attributes),
  },
  { additionalProperties: false },
);

const ProductPatch = Type.Partial(Type.Object(fields), { additionalProperties: false, minProperties: 1 });

type ProductBody = CatalogProductInput;

const ListQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200 })),
    category: Type.Optional(CategorySlug),
    minPrice: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_AMOUNT })),
    maxPrice: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_AMOUNT })),
    sort: Type.Optional(Type.Enum([...SORTS])),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  },
  { additionalProperties: false },
);

const IdOrSlugParams = Type.Object({ idOrSlug: Type.String({ pattern: '^[A-Za-z0-9-]{1,100}$' }) }, { additionalProperties: false });
const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });
const NoQuery = Type.Object({}, { additionalProperties: false });

/** A listing may be a second old (API.md: listings and search show a change within 1 s). */
const LIST_CACHE = 'public, max-age=1';
/** A product shows a change at once (API.md): caches keep it but revalidate, which the ETag makes a cheap 304. */
const PRODUCT_CACHE = 'public, no-cache';

function invalid(
  problem: typeof CommonProblems.validation | typeof CatalogProblems.wrongCurrency,
  errors: ProblemFieldError[],
): HttpProblem {
  const [first] = errors;
  const where = first && 'pointer' in first ? `${first.pointer} ` : '';
  return new HttpProblem(problem, `${where}${first?.detail ?? 'is invalid'}`, { extensions: { errors } });
}

function conflict(kind: Conflict): HttpProblem {
  return kind === 'slug_taken'
    ? new HttpProblem(CatalogProblems.slugTaken, 'Another listed product has this slug; choose another one.')
    : new HttpProblem(CatalogProblems.skuTaken, 'Another product has (or had) this SKU; choose another one.');
}

export function productRoutes(app: HttpApp, deps: { store: CatalogStore; currency: string; imageOrigins: ReadonlySet<string> }): void {
  const { store, currency, imageOrigins } = deps;
  // Authorization before validation (API.md): a customer gets 403 whatever the body.
  const admin = { config: { access: 'admin' as const } };

  /** What the schema cannot say: the shop's one currency, same-origin images, slugs that cannot be read as ids. */
  function checkBody(body: Partial<ProductBody>): void {
    if (body.price && body.price.currency !== currency) {
      throw invalid(CatalogProblems.wrongCurrency, [{ pointer: '#/price/currency', detail: `must be ${currency}, the shop's currency` }]);
    }
    const errors: ProblemFieldError[] = [];
    if (body.slug !== undefined && isUuid(body.slug)) errors.push({ pointer: '#/slug', detail: 'must not look like a product id' });
    body.images?.forEach((url, i) => {
      if (!sameOrigin(url, imageOrigins)) {
        errors.push({ pointer: `#/images/${i}`, detail: 'must be a path on this shop (such as /images/x.jpg) or an allowed origin' });
      }
    });
    if (errors.length > 0) throw invalid(CommonProblems.validation, errors);
  }

  app.get('/api/products', { schema: { querystring: ListQuery } }, async (request, reply) => {
    const { query } = request;
    const q = query.q?.trim() || undefined;
    if (query.minPrice !== undefined && query.maxPrice !== undefined && query.minPrice > query.maxPrice) {
      throw new HttpProblem(CatalogProblems.badPriceRange, 'minPrice must not be above maxPrice.', {
        extensions: { errors: [{ parameter: 'minPrice', detail: 'must not be above maxPrice' }] },
      });
    }
    const sort = effectiveSort(query.sort, q !== undefined);
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, sort);
    if (query.cursor !== undefined && !cursor) {
      throw new HttpProblem(
        CatalogProblems.badCursor,
        'The cursor was not given out by this listing (or for another sort); start again without it.',
        {
          extensions: { errors: [{ parameter: 'cursor', detail: 'is not a cursor of this listing' }] },
        },
      );
    }
    const rows = await store.listProducts({
      q,
      category: query.category,
      minPrice: query.minPrice,
      maxPrice: query.maxPrice,
      sort,
      cursor,
      take: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    const nextCursor = rows.length > query.limit && last ? encodeCursor({ sort, key: cursorKey(last), id: last.id }) : null;
    return sendCacheable(request, reply, { items: page.map(productView), nextCursor }, LIST_CACHE);
  });

  app.get('/api/products/:idOrSlug', { schema: { params: IdOrSlugParams, querystring: NoQuery } }, async (request, reply) => {
    const { idOrSlug } = request.params;
    const row = isUuid(idOrSlug.toLowerCase()) ? await store.productById(idOrSlug.toLowerCase()) : await store.productBySlug(idOrSlug);
    if (!row) throw new HttpProblem(CatalogProblems.productNotFound, `No product ${idOrSlug}.`);
    return sendCacheable(request, reply, productView(row), PRODUCT_CACHE);
  });

  app.post('/api/products', { ...admin, schema: { body: NewProductBody } }, async (request, reply) => {
    const { body } = request;
    checkBody(body);
    const product = {
      id: uuidv7(),
      slug: body.slug,
      name: body.name.trim(),
      description: body.description ?? '',
      category: body.category,
      priceAmount: body.price.amount,
      currency: body.price.currency,
      sku: body.sku,
      images: body.images ?? [],
      attributes: body.attributes ?? {},
    };
    const view = await writeOrConflict(() => store.createProduct(product, traceparentOf(request)));
    return reply.code(201).header('location', `/api/products/${view.id}`).send(view);
  });

  app.patch('/api/products/:id', { ...admin, schema: { params: IdParams, body: ProductPatch } }, async (request) => {
    const { id } = request.params;
    const { body } = request;
    checkBody(body);
    const changes: ProductChanges = {
      slug: body.slug,
      name: body.name?.trim(),
      description: body.description,
      category: body.category,
      priceAmount: body.price?.amount,
      currency: body.price?.currency,
      sku: body.sku,
      images: body.images,
      attributes: body.attributes,
    };
    const view = await writeOrConflict(() => store.changeProduct(id, changes, traceparentOf(request)));
    if (!view) throw new HttpProblem(CatalogProblems.productNotFound, `No product ${id}.`);
    return view;
  });

  app.delete('/api/products/:id', { ...admin, schema: { params: IdParams } }, async (request, reply) => {
    const { id } = request.params;
    if (!(await store.archiveProduct(id, traceparentOf(request))))
      throw new HttpProblem(CatalogProblems.productNotFound, `No product ${id}.`);
    return reply.code(204).send();
  });
}

/** The value the listing was ordered by, as a cursor carries it. */
function cursorKey(row: ListedRow): number | string {
  const key = row.sort_key;
  if (key instanceof Date) return key.toISOString();
  return typeof key === 'string' ? Number(key) : key;
}

/** Runs a write; a broken slug or SKU uniqueness (the transaction rolled back) becomes 409. */
async function writeOrConflict<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const kind = conflictOf(error);
    if (kind) throw conflict(kind);
    throw error;
  }
}

/** An image is a path on the shop itself (not `//host`), or an absolute http(s) URL of an allowed origin. */
function sameOrigin(url: string, origins: ReadonlySet<string>): boolean {
  if (/[\s\\]/.test(url)) return false;
  if (url.startsWith('/')) return !url.startsWith('//');
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'https:' || parsed.protocol === 'http:') && origins.has(parsed.origin);
  } catch {
    return false;
  }
}
