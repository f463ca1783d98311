import { Counter, type Registry } from 'prom-client';
import type { Outcome, ProviderOperation } from './domain/payment-intent.ts';

/**
 * The decline reasons the metric tells apart: the provider's decline code says why, but it is the
 * provider's own text (a real one has dozens of codes), so anything but a shortage of funds counts as
 * `declined` and the label stays bounded.
 */
export type DeclineReason = 'declined' | 'insufficient_funds';
export const declineReason = (providerCode: string): DeclineReason =>
  providerCode === 'insufficient_funds' ? 'insufficient_funds' : 'declined';

/**
 * Payments' business metrics: each counts an outcome the worker recorded (after its transaction
 * committed, under its own lease), so a step taken over by another worker, or a saga command
 * delivered again and answered from what is already known, counts nothing more.
 */
export class PaymentMetrics {
  readonly #declines: Counter<'reason'>;
  readonly #failed: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.#declines = new Counter({
      name: 'mercato_payment_declines_total',
      help: 'Authorizations the provider declined, by reason (declined, insufficient_funds)',
      labelNames: ['reason'] as const,
      registers,
    });
    // Zeros from the start, so a rate over either reason exists before the first decline.
    for (const reason of ['declined', 'insufficient_funds'] as const) this.#declines.inc({ reason }, 0);
    this.#failed = new Counter({
      name: 'mercato_payments_failed_total',
      help: 'Authorizations and captures that failed for good: the provider kept failing through every retry, or refused the call',
      registers,
    });
  }

  /** A provider outcome the worker has recorded. */
  recorded(operation: ProviderOperation, outcome: Outcome): void {
    if (operation === 'authorize' && outcome.kind === 'declined') this.#declines.inc({ reason: declineReason(outcome.detail) });
    // A void or refund never fails for good: it is tried again later, never recorded as failed.
    if (outcome.kind === 'failed' && (operation === 'authorize' || operation === 'capture')) this.#failed.inc();
  }
}
