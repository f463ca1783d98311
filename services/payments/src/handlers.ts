import { AuthorizePayment, CapturePayment, RefundPayment, VoidPayment } from '@mercato/contracts';
import { type DeliveryOf, type Subscription, subscription } from '@mercato/kit';
import type { PaymentCommand, PaymentsStore } from './store.ts';

const PAYMENT_COMMANDS = [AuthorizePayment, CapturePayment, VoidPayment, RefundPayment] as const;

/**
 * What payments consumes: the checkout saga's four commands, each idempotent by order id. A handler
 * only records the command in the order's payment intent (and answers at once what is already
 * known); the provider call happens in the worker after this transaction commits, because the
 * consumer runs up to 64 orders' commands in one transaction and a 100 ms call would stall them all.
 */
export function paymentsHandlers(store: PaymentsStore): Subscription[] {
  return [
    subscription({
      events: PAYMENT_COMMANDS,
      // Each delivery is a few short statements; more lanes keep a burst of orders flowing.
      concurrency: 32,
      async handle(event, { tx }) {
        await store.command(tx, event.data.orderId, commandOf(event), event.traceparent || undefined);
      },
    }),
  ];
}

function commandOf(event: DeliveryOf<(typeof PAYMENT_COMMANDS)[number]>): PaymentCommand {
  switch (event.type) {
    case AuthorizePayment.type:
      return { kind: 'authorize', amount: event.data.amount };
    case CapturePayment.type:
      return { kind: 'capture' };
    case VoidPayment.type:
      return { kind: 'void' };
    case RefundPayment.type:
      return { kind: 'refund' };
  }
}
