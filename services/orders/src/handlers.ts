import { type Subscription, subscription } from '@mercato/kit';
import { type CheckoutSaga, SAGA_REPLIES } from './saga.ts';

/** What orders consumes: inventory's and payments' replies to the checkout saga's commands. */
export function ordersHandlers(saga: CheckoutSaga): Subscription[] {
  return [
    subscription({
      events: SAGA_REPLIES,
      async handle(event, { tx, log }) {
        await saga.onReply(tx, event, log);
      },
    }),
  ];
}
