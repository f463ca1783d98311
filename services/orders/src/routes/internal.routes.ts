import type { PaymentTokenAnswer } from '@mercato/contracts';
import { CommonProblems, type HttpApp, HttpProblem } from '@mercato/kit';
import { Type } from 'typebox';
import type { OrderStore } from '../store.ts';

const OrderIdParams = Type.Object({ orderId: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });

/**
 * `GET /internal/payment-tokens/{orderId}`: payments (the only caller the topology allows) asks for
 * an order's card token right before authorizing, so the token never rides the bus (ADR 0015).
 */
export function internalRoutes(app: HttpApp, deps: { store: OrderStore }): void {
  app.get(
    '/internal/payment-tokens/:orderId',
    { schema: { params: OrderIdParams, hide: true } },
    async (request, reply): Promise<PaymentTokenAnswer> => {
      const { orderId } = request.params;
      const token = await deps.store.paymentTokenFor(orderId);
      if (!token) throw new HttpProblem(CommonProblems.notFound, `Order ${orderId} has no payment token waiting for an authorization.`);
      reply.header('cache-control', 'no-store');
      return { token };
    },
  );
}
