import { type HttpApp, HttpProblem, requireAdmin } from '@mercato/kit';
import { Type } from 'typebox';
import { PaymentsProblems } from '../errors.ts';
import type { PaymentsStore } from '../store.ts';

const OrderParams = Type.Object({ orderId: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });

/** Staff's view of an order's payment: its intent and the money movements in its ledger. */
export function paymentRoutes(app: HttpApp, store: PaymentsStore): void {
  app.get('/api/admin/payments/:orderId', { config: { access: 'admin' }, schema: { params: OrderParams } }, async (request) => {
    requireAdmin(request);
    const { orderId } = request.params;
    const view = await store.view(orderId);
    if (!view) throw new HttpProblem(PaymentsProblems.unknownPayment, `Payments knows no order ${orderId}.`);
    return view;
  });
}
