import { CartOwnerParams, CartView } from '@mercato/contracts';
import { type HttpApp, HttpProblem, transaction } from '@mercato/kit';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { CartProblems } from '../errors.ts';
import type { CartStore } from '../store.ts';

const NoQuery = Type.Object({}, { additionalProperties: false });

/** For orders: read the cart an order is placed from, then empty it. */
export function internalRoutes(app: HttpApp, deps: { store: CartStore }): void {
  const { store } = deps;
  // Before validation, so a user's token learns nothing about the route.
  const servicesOnly = {
    preValidation: async (request: FastifyRequest) => {
      if (request.principal?.kind !== 'service') {
        throw new HttpProblem(CartProblems.servicesOnly, 'This route answers other services (a service token), not users.');
      }
    },
  };

  /** A user's cart, empty when they have none; the same shape as `GET /api/cart` (contracts `CartView`) plus its revision. */
  app.get(
    '/internal/carts/:userId',
    { ...servicesOnly, schema: { params: CartOwnerParams, querystring: NoQuery, response: { 200: CartView } } },
    async (request) => store.view(store.db, request.params.userId, { revision: true }),
  );

  /** Empties a user's cart (orders, once the order is placed); 204 also when it was empty. */
  app.delete(
    '/internal/carts/:userId',
    { ...servicesOnly, schema: { params: CartOwnerParams, querystring: NoQuery } },
    async (request, reply) => {
      const { userId } = request.params;
      await transaction(store.db, (tx) => store.clear(tx, userId));
      return reply.code(204).send();
    },
  );
}
