/**
 * What a checkout decision means for the shop's business metrics: an order confirmed (and what it
 * brought in), a checkout that ended cancelled (and why), the saga commands whose reply it applied.
 * Pure: the shell (`../saga.ts`) counts these once the decision's transaction has committed, so a
 * duplicate reply (which changes nothing) and a rolled-back attempt count nothing.
 */
import type { CancelReason } from '@mercato/contracts';
import type { CheckoutOrder, Decision, FlowInput, SagaStep } from './checkout.flow.ts';

/** A saga command, as the step-duration metric names it: the checkout's four steps, then the compensations. */
export type StepName = 'reserve' | 'authorize' | 'commit' | 'capture' | 'release' | 'void' | 'refund';

const FORWARD: Partial<Record<SagaStep, StepName>> = {
  reserving: 'reserve',
  authorizing: 'authorize',
  committing: 'commit',
  capturing: 'capture',
};

export interface CheckoutFacts {
  /** The order was confirmed, for this total. */
  confirmed?: { amount: number; currency: string };
  /**
   * The checkout ended cancelled, for this reason. An order cancelled after its confirmation is not
   * a checkout that failed: it stays counted as confirmed, so placed = confirmed + cancelled.
   */
  cancelled?: CancelReason;
  /** The commands whose reply this decision applied (each was sent when the order entered its step). */
  answered: StepName[];
}

export function checkoutFacts(order: CheckoutOrder, input: FlowInput, decision: Decision): CheckoutFacts {
  const facts: CheckoutFacts = { answered: [] };
  if (decision.refused) return facts;
  const { change } = decision;
  if (change.status === 'confirmed' && order.status === 'pending') facts.confirmed = { amount: order.total, currency: order.currency };
  if (change.status === 'cancelled' && order.status === 'pending' && change.cancelReason) facts.cancelled = change.cancelReason;
  if (input.kind !== 'reply') return facts;
  const forward = FORWARD[order.sagaStep];
  // A step's reply moves the order on (next step, confirmed, cancelled or compensating); a duplicate changes nothing.
  if (forward && change.sagaStep !== undefined && change.sagaStep !== order.sagaStep) facts.answered.push(forward);
  if (order.sagaStep === 'compensating') {
    if (order.awaitingStockRelease && change.awaitingStockRelease === false) facts.answered.push('release');
    if (order.awaitingPaymentReturn && change.awaitingPaymentReturn === false)
      facts.answered.push(order.paymentReturn === 'refund' ? 'refund' : 'void');
  }
  return facts;
}
