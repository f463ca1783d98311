import { type Subscription, subscription } from '@mercato/kit';
import { CHECKOUT_REPLIES } from './domain/checkout.flow.ts';
import type { CheckoutSaga } from './saga.ts';

/** What orders consumes: inventory's and payments' replies to the checkout saga's commands. */
export function ordersHandlers(saga: CheckoutSaga): Subscription[] {
  return [
    subscription({
      events: CHECKOUT_REPLIES,
      async handle(event, { tx, log }) {
        await saga.onReply(tx, event, log);
      },
    }),
  ];
}
