import { type HttpApp, HttpProblem } from '@mercato/kit';
import { Type } from 'typebox';
import { InventoryProblems } from '../errors.ts';
import type { InventoryStore } from '../store.ts';
import { requestedSkus, SKU_MAX_LENGTH, SKU_PATTERN, SkusParam } from './stock.routes.ts';

const DEFAULT_LIMIT = 20;
const AdminStockQuery = Type.Object(
  {
    // Optional in the document; the validator fills in the default (so `?? DEFAULT_LIMIT` below is for the type only).
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: DEFAULT_LIMIT })),
    // base64url of a SKU of at most 64 characters: at most 86 characters.
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 88 })),
    skus: Type.Optional(SkusParam),
  },
  { additionalProperties: false },
);

const Count = Type.Integer({ minimum: 0 });
const StockList = Type.Object({
  items: Type.Array(Type.Object({ sku: Type.String(), onHand: Count, reserved: Count, available: Count })),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

const SKU = new RegExp(SKU_PATTERN);

/** Opaque to clients: base64url of the last SKU of the page; the next page starts after it. */
export const encodeCursor = (sku: string): string => Buffer.from(sku).toString('base64url');

/** The SKU a cursor holds, or undefined when this listing could not have given it out. */
export function decodeCursor(cursor: string): string | undefined {
  const sku = Buffer.from(cursor, 'base64url').toString('utf8');
  // Re-encoding must give the text back: base64url decoding skips characters it does not know.
  if (encodeCursor(sku) !== cursor) return undefined;
  return sku.length <= SKU_MAX_LENGTH && SKU.test(sku) ? sku : undefined;
}

/** Staff: stock of every SKU with on hand, reserved and available, a page at a time. */
export function adminStockRoutes(app: HttpApp, store: InventoryStore): void {
  // Before validation: a customer learns 403, not what the query should look like (API.md's order of checks).
  app.get(
    '/api/admin/inventory',
    { config: { access: 'admin' }, schema: { querystring: AdminStockQuery, response: { 200: StockList } } },
    async (request) => {
      const { query } = request;
      const skus = query.skus === undefined ? undefined : requestedSkus(query.skus);
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      if (query.cursor !== undefined && after === undefined) {
        throw new HttpProblem(InventoryProblems.badCursor, 'Pass back a nextCursor this listing gave out, or start again without one.', {
          extensions: { errors: [{ parameter: 'cursor', detail: 'not a cursor this listing gave out' }] },
        });
      }
      const page = await store.stockPage({
        limit: query.limit ?? DEFAULT_LIMIT,
        ...(after === undefined ? {} : { after }),
        ...(skus ? { skus } : {}),
      });
      return { items: page.items, nextCursor: page.lastSku === null ? null : encodeCursor(page.lastSku) };
    },
  );
}
