import { annotateSpan, type HttpApp, HttpProblem, type Outbox, traceparentOf, transaction } from '@mercato/kit';
import { Type } from 'typebox';
import { OrderProblems } from '../errors.ts';
import { shipOrder } from '../saga.ts';
import type { OrderStore } from '../store.ts';
import { orderView } from './order-view.ts';
import { afterCursor, ListQuery, listAnswer, OrderId } from './orders.routes.ts';

const AdminListQuery = Type.Object(
  {
    ...ListQuery.properties,
    status: Type.Optional(Type.Union((['pending', 'confirmed', 'shipped', 'cancelled'] as const).map((s) => Type.Literal(s)))),
  },
  { additionalProperties: false },
);
const ShipBody = Type.Object(
  { carrier: Type.String({ minLength: 1, maxLength: 100 }), trackingNumber: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);

/** Staff: every order, and shipping confirmed ones. */
export function adminRoutes(app: HttpApp, deps: { store: OrderStore; outbox: Outbox }): void {
  // Before validation: a customer learns 403, not what the route's body should look like (API.md's order of checks).
  const adminOnly = { config: { access: 'admin' as const } };

  app.get('/api/admin/orders', { ...adminOnly, schema: { querystring: AdminListQuery } }, async (request) => {
    const { query } = request;
    return listAnswer(await deps.store.listAll(query.status, query.limit, afterCursor(query.cursor)));
  });

  app.post('/api/admin/orders/:id/ship', { ...adminOnly, schema: { params: OrderId, body: ShipBody } }, async (request) => {
    const { id } = request.params;
    annotateSpan({ 'order.id': id });
    const shipment = request.body;
    const order = await transaction(deps.store.db, async (tx) => {
      const current = await deps.store.get(tx, id, true);
      if (!current) throw new HttpProblem(OrderProblems.orderNotFound, `No order ${id}.`);
      // Shipped and announced (orders.order.shipped) in this transaction.
      const shipped = await shipOrder(tx, deps, current, shipment, traceparentOf(request) ?? '');
      if (!shipped) throw new HttpProblem(OrderProblems.notShippable, `Order ${id} is ${current.status}; only a confirmed order ships.`);
      return shipped;
    });
    return orderView(order);
  });
}
