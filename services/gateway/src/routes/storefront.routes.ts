import { CommonProblems, type HttpApp, HttpProblem, type ServiceClient, type ServiceResponse } from '@mercato/kit';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { MicroCache } from '../micro-cache.ts';
import type { ProductViews } from '../product-views.ts';

export interface StorefrontOptions {
  /** Bound of the catalog call, retries included (default 700 ms): the product is the part the page cannot do without. */
  productTimeoutMs?: number;
  /** Bound of each optional part, inventory and recommendations (default 300 ms): late parts are left out, not waited for. */
  partTimeoutMs?: number;
  /** How long a composed page is reused for other shoppers (default 0: never). */
  cacheMs?: number;
  /** Where a signed-in shopper's view of a page goes (`storefront.product.viewed.v1`); none: views are not recorded. */
  views?: ProductViews;
}

type Page = { product: Product; availability: Availability | null; recommendations: Recommendations | null };

/** 700 ms for the product, then 300 ms for the parts in parallel: the whole answer comes within about 1 s. */
const DEFAULT_PRODUCT_TIMEOUT_MS = 700;
const DEFAULT_PART_TIMEOUT_MS = 300;

interface Product {
  id: string;
  sku: string;
  [field: string]: unknown;
}

interface Availability {
  sku: string;
  available: number;
}

interface Recommendations {
  items: unknown[];
  strategy: string;
}

const isProduct = (body: unknown): body is Product =>
  typeof body === 'object' && body !== null && typeof (body as Product).id === 'string' && typeof (body as Product).sku === 'string';

const toAvailability = (body: unknown): Availability | undefined => {
  const { sku, available } = (body ?? {}) as Partial<Availability>;
  return typeof sku === 'string' && typeof available === 'number' ? { sku, available } : undefined;
};

const toRecommendations = (body: unknown): Recommendations | undefined => {
  const { items, strategy } = (body ?? {}) as Partial<Recommendations>;
  return Array.isArray(items) && typeof strategy === 'string' ? { items, strategy } : undefined;
};

/** An optional part of a composed answer: its value, or null when the call failed, was late or answered something else. */
async function optionalPart<T>(
  service: string,
  call: Promise<ServiceResponse>,
  accept: (body: unknown) => T | undefined,
  log: FastifyBaseLogger,
): Promise<T | null> {
  try {
    const response = await call;
    const value = response.status === 200 ? accept(response.body) : undefined;
    if (value !== undefined) return value;
    // A 404 is an answer (nothing for this product), not a fault worth a line per page view.
    if (response.status === 404) log.debug({ service }, 'storefront part left out: none for this product');
    else log.warn({ service, status: response.status }, 'storefront part left out: unexpected answer');
  } catch (error) {
    log.warn({ service, err: error }, 'storefront part left out');
  }
  return null;
}

/**
 * `GET /api/storefront/products/{idOrSlug}` (API.md): the product page in one call, composed by the
 * gateway from catalog, inventory and recommendations.
 *
 * The product comes first: inventory is addressed by the product's SKU and recommendations by its
 * id, and neither is known from a slug. Then inventory and recommendations run in parallel, each
 * bounded; one that fails or is late is `null` and the product still comes. Without a product there
 * is no page: unknown → 404, catalog down → 503, catalog late → 504.
 */
export function storefrontRoutes(app: HttpApp, client: ServiceClient, options: StorefrontOptions = {}): void {
  const productTimeoutMs = options.productTimeoutMs ?? DEFAULT_PRODUCT_TIMEOUT_MS;
  const partTimeoutMs = options.partTimeoutMs ?? DEFAULT_PART_TIMEOUT_MS;
  // Only complete pages are reused: one with a part left out is composed again on the next view.
  const pages = new MicroCache<Page>({ ttlMs: options.cacheMs ?? 0, maxEntries: 10_000 });
  const complete = (page: Page) => page.availability !== null;
  app.get(
    '/api/storefront/products/:idOrSlug',
    {
      schema: {
        params: Type.Object({ idOrSlug: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
        querystring: Type.Object({}, { additionalProperties: false }),
      },
    },
    async (request) => {
      const { idOrSlug } = request.params;
      const page = await pages.get(idOrSlug, () => compose(request, idOrSlug), complete);
      // Per viewer, so after the cache (which is per page); only a page that is answered 200 gets here.
      // The product's id from the answer, never the slug the shopper asked with.
      if (request.principal?.kind === 'user') options.views?.record(request.principal.userId, page.product.id);
      return page;
    },
  );

  async function compose(request: FastifyRequest, idOrSlug: string): Promise<Page> {
    const headers = { 'x-request-id': request.id };
    // UpstreamUnavailableError (503) and UpstreamTimeoutError (504) go to the error handler as problem+json.
    const catalog = await client.request('catalog', {
      method: 'GET',
      path: `/api/products/${encodeURIComponent(idOrSlug)}`,
      headers,
      timeoutMs: productTimeoutMs,
    });
    if (catalog.status === 404) throw new HttpProblem(CommonProblems.notFound, `No product ${idOrSlug}.`);
    if (catalog.status === 400 && catalog.body) {
      // The catalog's own verdict on the id or slug, as it gave it.
      throw new HttpProblem(CommonProblems.validation, String((catalog.body as { detail?: unknown }).detail ?? 'invalid id or slug'));
    }
    if (catalog.status !== 200 || !isProduct(catalog.body)) {
      request.log.error({ status: catalog.status }, 'catalog gave no product for the storefront');
      throw new HttpProblem(CommonProblems.serviceUnavailable, 'catalog failed to answer; try again shortly.', {
        extensions: { service: 'catalog' },
        headers: { 'retry-after': '1' },
      });
    }
    const product = catalog.body;
    const [availability, recommendations] = await Promise.all([
      optionalPart(
        'inventory',
        client.request('inventory', {
          method: 'GET',
          path: `/api/inventory/${encodeURIComponent(product.sku)}`,
          headers,
          timeoutMs: partTimeoutMs,
        }),
        toAvailability,
        request.log,
      ),
      optionalPart(
        'recommendations',
        client.request('recommendations', {
          method: 'GET',
          path: `/api/recommendations?productId=${encodeURIComponent(product.id)}&limit=4`,
          headers,
          timeoutMs: partTimeoutMs,
        }),
        toRecommendations,
        request.log,
      ),
    ]);
    return { product, availability, recommendations };
  }
}
