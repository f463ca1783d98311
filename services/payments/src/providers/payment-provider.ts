import type { Money } from '@mercato/contracts';

/** A card the provider authorized: its reference for later calls, and what may be shown (never the number). */
export interface Authorization {
  outcome: 'authorized';
  providerRef: string;
  brand: string;
  last4: string;
}

/** The provider said no (a final answer, not an error): the authorization is declined. */
export interface Declined {
  outcome: 'declined';
  detail: string;
}

/**
 * The port every payment provider adapter implements (the sandbox, or a real one chosen by
 * `PAYMENTS_PROVIDER`). The saga and the worker only know this interface.
 *
 * Contract:
 * - `idempotencyKey` is one per (order, operation): the same key again must return the first
 *   outcome and have no second effect (a retry after a timeout, or after our process died between
 *   the call and recording its outcome, uses the same key).
 * - Throw `ProviderUnavailableError` (or any error) for a transient failure: the worker retries with
 *   backoff. Throw `ProviderRejectedError` when retrying cannot help (unknown reference, already
 *   voided): the step fails at once.
 * - Honour `signal`: the worker aborts a call that takes longer than `PAYMENTS_PROVIDER_TIMEOUT_MS`.
 */
export interface PaymentProvider {
  readonly name: string;
  authorize(token: string, amount: Money, idempotencyKey: string, signal?: AbortSignal): Promise<Authorization | Declined>;
  /** Captures `amount` (the whole authorization) of `providerRef`. */
  capture(providerRef: string, amount: Money, idempotencyKey: string, signal?: AbortSignal): Promise<void>;
  /** Releases an authorization that was not captured. */
  void(providerRef: string, idempotencyKey: string, signal?: AbortSignal): Promise<void>;
  /** Gives back `amount` (the whole capture) of `providerRef`. */
  refund(providerRef: string, amount: Money, idempotencyKey: string, signal?: AbortSignal): Promise<void>;
  /** Lets go of connections at shutdown, after the worker's last call. */
  close?(): Promise<void>;
}

/** A transient failure (network, 5xx, the sandbox's `tok_provider_error`): worth retrying. */
export class ProviderUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderUnavailableError';
  }
}

/** The provider refused the call for good: retrying cannot help. */
export class ProviderRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderRejectedError';
  }
}

/** The key of one (order, operation): the same on every retry and after a restart, different per step. */
export function idempotencyKey(orderId: string, operation: 'authorize' | 'capture' | 'void' | 'refund'): string {
  return `payments:${orderId}:${operation}`;
}
