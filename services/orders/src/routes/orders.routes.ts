import { Address } from '@mercato/contracts';
import { annotateSpan, type HttpApp, HttpProblem, requireUser, traceparentOf, transaction } from '@mercato/kit';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { OrderProblems } from '../errors.ts';
import type { OrderWatch } from '../order-watch.ts';
import { type PlacementDeps, placeOrder } from '../placement.ts';
import type { CheckoutSaga } from '../saga.ts';
import type { OrderRow, OrderStore } from '../store.ts';
import { decodeCursor, encodeCursor, orderView } from './order-view.ts';

export const PlaceOrderBody = Type.Object(
  { shippingAddress: Address, paymentToken: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
const PlaceOrderHeaders = Type.Object({
  'idempotency-key': Type.String({ pattern: '^[\\x21-\\x7E]{1,255}$', description: '1–255 visible ASCII characters' }),
});
export const OrderId = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });
export const ListQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }), cursor: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);

/** `wait`: while the order is pending, answer once it settles or after this many seconds (the gateway's upstream timeout is 10 s). */
export const MAX_WAIT_SECONDS = 5;
const OrderQuery = Type.Object(
  {
    wait: Type.Optional(
      Type.Integer({ minimum: 0, maximum: MAX_WAIT_SECONDS, description: 'seconds to wait for a pending order to settle' }),
    ),
  },
  { additionalProperties: false },
);

export interface OrderRouteDeps extends PlacementDeps {
  watch: OrderWatch;
  /** Whether a payment token is one the provider knows; others are refused at placement. */
  acceptsToken: (token: string) => boolean;
}

/** The order, if the caller may see it: its owner or an admin. Anyone else gets the same 404 as for no order. */
export async function visibleOrder(store: OrderStore, request: FastifyRequest, id: string, lock?: Parameters<OrderStore['get']>[0]) {
  const user = requireUser(request);
  const order = await store.get(lock ?? store.db, id, lock !== undefined);
  if (!order || (order.userId !== user.userId && !user.roles.includes('admin'))) {
    throw new HttpProblem(OrderProblems.orderNotFound, `No order ${id}.`);
  }
  return order;
}

export function afterCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const id = decodeCursor(cursor);
  if (!id) throw new HttpProblem(OrderProblems.badCursor, 'Pass back a nextCursor this listing gave out.');
  return id;
}

export function listAnswer(page: { items: OrderRow[]; lastId: string | null }) {
  return { items: page.items.map(orderView), nextCursor: page.lastId ? encodeCursor(page.lastId) : null };
}

/** A shopper's own orders: place, list, read, cancel. */
export function orderRoutes(app: HttpApp, deps: OrderRouteDeps & { saga: CheckoutSaga }): void {
  app.post(
    '/api/orders',
    { config: { access: 'user' }, schema: { body: PlaceOrderBody, headers: PlaceOrderHeaders } },
    async (request, reply) => {
      const user = requireUser(request);
      const { body } = request;
      if (!deps.acceptsToken(body.paymentToken)) {
        throw new HttpProblem(
          OrderProblems.unknownPaymentToken,
          'Use a token from the payment provider (the sandbox: tok_visa, tok_mastercard, …).',
          {
            extensions: { errors: [{ pointer: '#/paymentToken', detail: 'unknown payment token' }] },
          },
        );
      }
      const { order, replay } = await placeOrder(deps, {
        userId: user.userId,
        idempotencyKey: request.headers['idempotency-key'],
        body,
        traceparent: traceparentOf(request) ?? '',
      });
      reply.code(replay ? 200 : 202);
      if (!replay) reply.header('location', `/api/orders/${order.id}`);
      // The line an operator searches the logs for: it carries the request, trace, span and order ids (never the address or token).
      if (!replay) request.log.info({ lines: order.lines.length, total: order.total, currency: order.currency }, 'order placed');
      return orderView(order);
    },
  );

  app.get('/api/orders', { config: { access: 'user' }, schema: { querystring: ListQuery } }, async (request) => {
    const user = requireUser(request);
    const { query } = request;
    return listAnswer(await deps.store.listByUser(user.userId, query.limit, afterCursor(query.cursor)));
  });

  app.get('/api/orders/:id', { config: { access: 'user' }, schema: { params: OrderId, querystring: OrderQuery } }, async (request) => {
    const { id } = request.params;
    const waitMs = (request.query.wait ?? 0) * 1000;
    if (waitMs === 0) return orderView(await visibleOrder(deps.store, request, id));
    // Watching before the first read: a status change committed in between still wakes the wait.
    const watch = deps.watch.watch(id);
    try {
      const until = performance.now() + waitMs;
      let order = await visibleOrder(deps.store, request, id);
      while (order.status === 'pending' && performance.now() < until) {
        await watch.changed(until - performance.now());
        order = (await deps.store.get(deps.store.db, id)) ?? order;
      }
      return orderView(order);
    } finally {
      watch.close();
    }
  });

  app.post('/api/orders/:id/cancel', { config: { access: 'user' }, schema: { params: OrderId } }, async (request, reply) => {
    const { id } = request.params;
    annotateSpan({ 'order.id': id });
    const order = await transaction(deps.store.db, async (tx) => {
      const current = await visibleOrder(deps.store, request, id, tx);
      // Asking twice while the cancellation runs is answered like the first time (the flow takes it as a no-op).
      const traceparent = traceparentOf(request) ?? '';
      if (!(await deps.saga.cancel(tx, current, 'customer_request', traceparent))) {
        throw new HttpProblem(OrderProblems.notCancellable, `Order ${id} is ${current.status}; it can be cancelled only until it ships.`);
      }
      return (await deps.store.get(tx, id)) ?? current;
    });
    reply.code(202);
    return orderView(order);
  });
}
