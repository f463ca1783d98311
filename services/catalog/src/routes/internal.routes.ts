import { ProductSummariesQuery, type ProductSummariesResponse, ProductsBySkuRequest, type ProductsBySkuResponse } from '@mercato/contracts';
import { CommonProblems, type HttpApp, HttpProblem } from '@mercato/kit';
import type { FastifyRequest } from 'fastify';
import { CatalogProblems } from '../errors.ts';
import type { CatalogStore } from '../store.ts';

export function internalRoutes(app: HttpApp, deps: { store: CatalogStore }): void {
  // Before validation, so a user's token learns nothing about the route's body.
  const servicesOnly = {
    preValidation: async (request: FastifyRequest) => {
      if (request.principal?.kind !== 'service') {
        throw new HttpProblem(CatalogProblems.servicesOnly, 'This route answers other services (a service token), not users.');
      }
    },
  };

  /** Cart and orders read names and current prices of many SKUs in one call. Unknown and archived SKUs are left out. */
  app.post('/internal/products/by-sku', { ...servicesOnly, schema: { body: ProductsBySkuRequest } }, async (request) => {
    const { skus } = request.body;
    const rows = await deps.store.productsBySku([...new Set(skus)]);
    const answer: ProductsBySkuResponse = {
      items: rows.map((row) => ({
        sku: row.sku,
        productId: row.id,
        name: row.name,
        price: { amount: Number(row.price_amount), currency: row.currency },
      })),
    };
    return answer;
  });

  /**
   * Recommendations keeps the summaries of every listed product (a seed publishes no catalog events):
   * named ones, or the whole listed catalog page by page in id order.
   */
  app.get('/internal/products/summaries', { ...servicesOnly, schema: { querystring: ProductSummariesQuery } }, async (request) => {
    const { ids, after, limit = 500 } = request.query;
    let rows: Awaited<ReturnType<CatalogStore['productSummaries']>>;
    if (ids !== undefined) {
      const list = [...new Set(ids.split(','))];
      if (list.length > 100 || !list.every((id) => UUID.test(id))) {
        throw new HttpProblem(CommonProblems.validation, '`ids` must be at most 100 product ids, comma-separated.');
      }
      rows = await deps.store.productSummaries({ ids: list });
    } else {
      rows = await deps.store.productSummaries({ after, limit });
    }
    const answer: ProductSummariesResponse = {
      items: rows.map((row) => ({
        id: row.id,
        slug: row.slug,
        name: row.name,
        price: { amount: Number(row.price_amount), currency: row.currency },
        image: row.images[0] ?? null,
        category: row.category,
      })),
      nextAfter: ids === undefined && rows.length === limit ? (rows.at(-1)?.id ?? null) : null,
    };
    return answer;
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
