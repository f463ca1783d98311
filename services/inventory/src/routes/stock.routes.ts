import { CommonProblems, type HttpApp, HttpProblem, requireAdmin, transaction } from '@mercato/kit';
import { Type } from 'typebox';
import { InventoryProblems } from '../errors.ts';
import type { InventoryStore } from '../store.ts';

/** What a SKU may look like; the PUT below is the only writer of stock rows, so every stored SKU matches. */
export const SKU_PATTERN = '^[A-Za-z0-9._-]+$';
export const SKU_MAX_LENGTH = 64;
const Sku = Type.String({ minLength: 1, maxLength: SKU_MAX_LENGTH, pattern: SKU_PATTERN });
const SkuParams = Type.Object({ sku: Sku }, { additionalProperties: false });
/** `skus=a,b,c`: at most 100 (API.md); 6600 characters is 100 SKUs of 64 characters and their commas. */
export const SkusParam = Type.String({ minLength: 1, maxLength: 6600 });
const SkusQuery = Type.Object({ skus: SkusParam }, { additionalProperties: false });

/** The distinct SKUs of `skus=a,b,c` (blanks dropped), or 400 over 100 of them. */
export function requestedSkus(text: string): string[] {
  const skus = [
    ...new Set(
      text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
  if (skus.length > 100) {
    throw new HttpProblem(CommonProblems.validation, `At most 100 SKUs per call (got ${skus.length}).`, {
      extensions: { errors: [{ parameter: 'skus', detail: 'at most 100 SKUs' }] },
    });
  }
  return skus;
}

export function stockRoutes(app: HttpApp, store: InventoryStore): void {
  app.get('/api/inventory/:sku', { schema: { params: SkuParams } }, async (request) => {
    const { sku } = request.params;
    const [row] = await store.available([sku]);
    if (!row) throw new HttpProblem(InventoryProblems.unknownSku, `No stock is kept for SKU ${sku}.`);
    return row;
  });

  app.get('/api/inventory', { schema: { querystring: SkusQuery } }, async (request) => {
    return { items: await store.available(requestedSkus(request.query.skus)) };
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
      const { sku } = request.params;
      const { onHand } = request.body;
      const row = await transaction(store.db, (tx) => store.setOnHand(tx, sku, onHand));
      if (!row)
        throw new HttpProblem(InventoryProblems.belowReserved, `More than ${onHand} units of ${sku} are reserved for orders in progress.`);
      return row;
    },
  );
}
