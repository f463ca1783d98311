import { HttpProblem, requireAdmin, transaction } from '@mercato/kit';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { InventoryProblems } from '../errors.ts';
import type { InventoryStore } from '../store.ts';

const Sku = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' });
const SkuParams = Type.Object({ sku: Sku }, { additionalProperties: false });
/** `skus=a,b,c`: at most 100 (API.md). */
const SkusQuery = Type.Object({ skus: Type.String({ minLength: 1, maxLength: 6600 }) }, { additionalProperties: false });

export function stockRoutes(app: FastifyInstance, store: InventoryStore): void {
  app.get('/api/inventory/:sku', { schema: { params: SkuParams } }, async (request) => {
    const { sku } = request.params as { sku: string };
    const [row] = await store.available([sku]);
    if (!row) throw new HttpProblem(InventoryProblems.unknownSku, `No stock is kept for SKU ${sku}.`);
    return row;
  });

  app.get('/api/inventory', { schema: { querystring: SkusQuery } }, async (request) => {
    const skus = [
      ...new Set(
        (request.query as { skus: string }).skus
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    ];
    if (skus.length > 100) {
      throw new HttpProblem(
        { type: 'https://mercato.dev/problems/validation', title: 'Your request is not valid', status: 400 },
        `At most 100 SKUs per call (got ${skus.length}).`,
        { extensions: { errors: [{ parameter: 'skus', detail: 'at most 100 SKUs' }] } },
      );
    }
    return { items: await store.available(skus) };
  });

  app.put(
    '/api/inventory/:sku',
    {
      config: { access: 'admin' },
      schema: {
        params: SkuParams,
        body: Type.Object({ onHand: Type.Integer({ minimum: 0, maximum: 10_000_000 }) }, { additionalProperties: false }),
      },
    },
    async (request) => {
      requireAdmin(request);
      const { sku } = request.params as { sku: string };
      const { onHand } = request.body as { onHand: number };
      const row = await transaction(store.db, (tx) => store.setOnHand(tx, sku, onHand));
      if (!row)
        throw new HttpProblem(InventoryProblems.belowReserved, `More than ${onHand} units of ${sku} are reserved for orders in progress.`);
      return row;
    },
  );
}
