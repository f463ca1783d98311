import { ProductsBySkuRequest, type ProductsBySkuResponse } from '@mercato/contracts';
import { type HttpApp, HttpProblem } from '@mercato/kit';
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
}
