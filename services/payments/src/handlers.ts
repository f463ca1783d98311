import { AuthorizePayment, CapturePayment, RefundPayment, VoidPayment } from '@mercato/contracts';
import { type Subscription, subscription } from '@mercato/kit';
import type { PaymentCommand, PaymentsStore } from './store.ts';

/**
 * What payments consumes: the checkout saga's four commands, each idempotent by order id. A handler
 * only records the command in the order's payment intent (and answers at once what is already
 * known); the provider call happens in the worker after this transaction commits, because the
 * consumer runs up to 64 orders' commands in one transaction and a 100 ms call would stall them all.
 */
export function paymentsHandlers(store: () => PaymentsStore): Subscription[] {
  return [
    subscription({
      events: [AuthorizePayment, CapturePayment, VoidPayment, RefundPayment],
      // Each delivery is a few short statements; more lanes keep a burst of orders flowing.
      concurrency: 32,
      async handle(event, { tx }) {
        let command: PaymentCommand;
        if (event.type === AuthorizePayment.type) {
          const { amount } = event.data as { amount: { amount: number; currency: string } };
          command = { kind: 'authorize', amount };
        } else if (event.type === CapturePayment.type) {
          command = { kind: 'capture' };
        } else if (event.type === VoidPayment.type) {
          command = { kind: 'void' };
        } else {
          command = { kind: 'refund' };
        }
        await store().command(tx, (event.data as { orderId: string }).orderId, command, event.traceparent || undefined);
      },
    }),
  ];
}
