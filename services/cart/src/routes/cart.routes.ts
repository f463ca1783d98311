import { CartView, Sku } from '@mercato/contracts';
import { type HttpApp, HttpProblem, requireUser, traceparentOf, transaction } from '@mercato/kit';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { CatalogClient } from '../catalog-client.ts';
import { MAX_LINES, MAX_QUANTITY } from '../domain/cart.ts';
import { CartProblems } from '../errors.ts';
import type { CartStore } from '../store.ts';

const NoQuery = Type.Object({}, { additionalProperties: false });
const SkuParams = Type.Object({ sku: Sku }, { additionalProperties: false });
const AddItemBody = Type.Object(
  { sku: Sku, quantity: Type.Integer({ minimum: 1, maximum: MAX_QUANTITY }) },
  { additionalProperties: false },
);
/** 0 removes the line. */
const SetQuantityBody = Type.Object({ quantity: Type.Integer({ minimum: 0, maximum: MAX_QUANTITY }) }, { additionalProperties: false });

const notInCart = (sku: string) => new HttpProblem(CartProblems.notInCart, `Your cart has no line for SKU ${sku}.`);

/** The signed-in shopper's own cart (API.md, "Cart"). Whose cart is always the token's subject, never a parameter. */
export function cartRoutes(app: HttpApp, deps: { store: CartStore; catalog: CatalogClient }): void {
  const { store, catalog } = deps;
  // Authentication before validation (API.md): a service token or none gets 401 whatever the body.
  const user = { config: { access: 'user' as const } };
  const userIdOf = (request: FastifyRequest) => requireUser(request).userId;
  const cart = { 200: CartView };

  app.get('/api/cart', { ...user, schema: { querystring: NoQuery, response: cart } }, async (request) =>
    store.view(store.db, userIdOf(request)),
  );

  app.post('/api/cart/items', { ...user, schema: { querystring: NoQuery, body: AddItemBody, response: cart } }, async (request) => {
    const userId = userIdOf(request);
    const { sku, quantity } = request.body;
    const lookedUpAt = await store.clock();
    const product = await catalog.productBySku(sku, traceparentOf(request));
    if (!product) throw new HttpProblem(CartProblems.unknownSku, `The catalog sells nothing under SKU ${sku}.`);
    return transaction(store.db, async (tx) => {
      const outcome = await store.addItemAndPublish(tx, { userId, product, quantity, lookedUpAt }, traceparentOf(request));
      if (outcome === 'unknown_sku') throw new HttpProblem(CartProblems.unknownSku, `The catalog sells nothing under SKU ${sku}.`);
      if (outcome === 'cart_full') {
        throw new HttpProblem(CartProblems.cartFull, `Your cart already has ${MAX_LINES} lines; remove one before adding another product.`);
      }
      if (outcome === 'line_full') {
        throw new HttpProblem(
          CartProblems.lineFull,
          `Adding ${quantity} would put more than ${MAX_QUANTITY} units of ${sku} in your cart; add fewer.`,
        );
      }
      return store.view(tx, userId);
    });
  });

  app.patch(
    '/api/cart/items/:sku',
    { ...user, schema: { params: SkuParams, querystring: NoQuery, body: SetQuantityBody, response: cart } },
    async (request) => {
      const userId = userIdOf(request);
      const { sku } = request.params;
      const { quantity } = request.body;
      return transaction(store.db, async (tx) => {
        if (!(await store.setQuantity(tx, userId, sku, quantity))) throw notInCart(sku);
        return store.view(tx, userId);
      });
    },
  );

  app.delete('/api/cart/items/:sku', { ...user, schema: { params: SkuParams, querystring: NoQuery, response: cart } }, async (request) => {
    const userId = userIdOf(request);
    const { sku } = request.params;
    return transaction(store.db, async (tx) => {
      if (!(await store.removeLine(tx, userId, sku))) throw notInCart(sku);
      return store.view(tx, userId);
    });
  });

  app.delete('/api/cart', { ...user, schema: { querystring: NoQuery } }, async (request, reply) => {
    const userId = userIdOf(request);
    await transaction(store.db, (tx) => store.clear(tx, userId));
    return reply.code(204).send();
  });
}
