import { PaymentTokenAnswer } from '@mercato/contracts';
import { type ServiceClient, UpstreamUnavailableError } from '@mercato/kit';
import { Compile } from 'typebox/compile';

/**
 * Where an authorization's card token comes from: undefined when the order has none (spent, or the
 * order is gone); throws when it cannot be asked right now (the step is tried again shortly).
 */
export type PaymentTokenSource = (orderId: string) => Promise<string | undefined>;

const validAnswer = Compile(PaymentTokenAnswer);

/** Asks orders directly (`GET /internal/payment-tokens/{orderId}`, a service token): the token never rides the bus. */
export function tokensFromOrders(services: ServiceClient): PaymentTokenSource {
  return async (orderId) => {
    const answer = await services.request<unknown>('orders', {
      method: 'GET',
      path: `/internal/payment-tokens/${encodeURIComponent(orderId)}`,
    });
    if (answer.status === 404) return undefined;
    if (answer.status !== 200 || !validAnswer.Check(answer.body)) {
      throw new UpstreamUnavailableError('orders', 'unreachable', {
        cause: new Error(`orders answered ${answer.status} for a payment token`),
      });
    }
    return answer.body.token;
  };
}
