/**
 * One payment intent per order: what the provider has done for it (`status`) and what the saga last
 * asked for (`target`). The saga's commands only move the target; a worker then makes one provider
 * call at a time to bring the status to it (`nextOperation`) and records each outcome. Both steps
 * are pure functions here, so the rules read top to bottom and are tested without a database.
 *
 * The rules, as the orders saga sees them:
 * - authorize: the first one creates the intent; the step's outcome (authorized, declined, failed)
 *   is fixed from then on and a repeated authorize answers it again. An order closed by a void or
 *   refund before its authorize arrived refuses it (failed, payment_declined) and never authorizes.
 * - capture: captures the whole authorized amount once; a repeat answers `captured` again.
 * - void and refund are one compensation: whatever was captured (or has a capture under way) is
 *   refunded (reply `refunded`), an authorization alone is voided (reply `voided`), and an order with
 *   nothing to give back answers `voided` with no payment id (and is closed for good when unknown).
 * - Steps are carried out in the order asked: a void that arrives while its authorize is still at
 *   the provider waits for it (authorized, then voided); a refund during a capture waits for the
 *   capture (captured, then refunded).
 */

export type PaymentStatus = 'pending' | 'authorized' | 'captured' | 'voided' | 'refunded' | 'declined' | 'failed';
export type PaymentTarget = 'authorized' | 'captured' | 'voided' | 'refunded';
export type ProviderOperation = 'authorize' | 'capture' | 'void' | 'refund';
export type FailureReason = 'payment_declined' | 'payment_failed';
export type LedgerKind = 'authorization' | 'capture' | 'void' | 'refund';

/** What the rules need to know about an intent. */
export interface IntentState {
  status: PaymentStatus;
  target: PaymentTarget;
  /** Whether the provider ever authorized this payment (it then has a provider reference). */
  authorized: boolean;
  failureReason: FailureReason | null;
  failureDetail: string | null;
}

export type SagaCommand = 'authorize' | 'capture' | 'void' | 'refund';

/**
 * A reply owed to the saga. `voided.withPayment` false means "there was no authorization to void"
 * (the reply's paymentId is null).
 */
export type Reply =
  | { type: 'authorized' }
  | { type: 'failed'; operation: 'authorize' | 'capture'; reason: FailureReason; detail: string }
  | { type: 'captured' }
  | { type: 'voided'; withPayment: boolean }
  | { type: 'refunded' };

export interface CommandDecision {
  /** Create the intent with this status and target (only when there is none). */
  create?: { status: PaymentStatus; target: PaymentTarget };
  /** The intent's new target, when it changes. */
  target?: PaymentTarget;
  /** Replies to publish now (an answer already known); none while the step is under way. */
  replies: Reply[];
}

/** What the provider said about one operation, or that it kept failing. */
export type Outcome =
  | { kind: 'authorized'; providerRef: string; brand: string; last4: string }
  | { kind: 'declined'; detail: string }
  | { kind: 'done' }
  | { kind: 'failed'; detail: string };

export interface OutcomeDecision {
  status: PaymentStatus;
  target: PaymentTarget;
  /** A money movement to write in the ledger. */
  ledger?: LedgerKind;
  failure?: { reason: FailureReason; detail: string };
  replies: Reply[];
  /** The step failed but must happen anyway (a void or refund): try it again later, nothing changes. */
  retryLater?: boolean;
}

/** The provider call the intent is waiting for, or null when its status has reached its target. */
export function nextOperation(status: PaymentStatus, target: PaymentTarget): ProviderOperation | null {
  if (status === 'pending') return 'authorize';
  if (status === 'authorized') {
    if (target === 'captured' || target === 'refunded') return 'capture';
    if (target === 'voided') return 'void';
    return null;
  }
  if (status === 'captured' && target === 'refunded') return 'refund';
  return null;
}

/** How a saga command changes an intent (undefined: the order has none yet). */
export function decideCommand(intent: IntentState | undefined, command: SagaCommand): CommandDecision {
  switch (command) {
    case 'authorize':
      return authorize(intent);
    case 'capture':
      return capture(intent);
    case 'void':
    case 'refund':
      return compensate(intent);
  }
}

function authorize(intent: IntentState | undefined): CommandDecision {
  if (!intent) return { create: { status: 'pending', target: 'authorized' }, replies: [] };
  if (intent.status === 'pending') return { replies: [] };
  if (intent.authorized) return { replies: [{ type: 'authorized' }] };
  if (intent.status === 'declined' || intent.status === 'failed') {
    return {
      replies: [{ type: 'failed', operation: 'authorize', reason: reasonOf(intent), detail: intent.failureDetail ?? intent.status }],
    };
  }
  // Voided without an authorization: the saga closed the order before this authorize arrived.
  return {
    replies: [
      {
        type: 'failed',
        operation: 'authorize',
        reason: 'payment_declined',
        detail: 'the order was closed before its authorization arrived',
      },
    ],
  };
}

function capture(intent: IntentState | undefined): CommandDecision {
  if (!intent) return { replies: [captureRefused('payment_failed', 'no authorization was requested for this order')] };
  switch (intent.status) {
    case 'captured':
    case 'refunded':
      return { replies: [{ type: 'captured' }] };
    case 'pending':
    case 'authorized':
      if (intent.target === 'authorized') return { target: 'captured', replies: [] };
      if (intent.target === 'voided') return { replies: [captureRefused('payment_failed', 'the payment is being voided')] };
      return { replies: [] }; // captured or refunded: the capture is under way
    case 'voided':
      return { replies: [captureRefused('payment_failed', 'the payment was voided')] };
    case 'declined':
    case 'failed':
      return { replies: [captureRefused(reasonOf(intent), `the payment was not authorized: ${intent.failureDetail ?? intent.status}`)] };
  }
}

function compensate(intent: IntentState | undefined): CommandDecision {
  // Nothing to give back, and the order is closed: a late authorize will be refused.
  if (!intent) return { create: { status: 'voided', target: 'voided' }, replies: [{ type: 'voided', withPayment: false }] };
  switch (intent.status) {
    case 'refunded':
      return { replies: [{ type: 'refunded' }] };
    case 'voided':
      return { replies: [{ type: 'voided', withPayment: intent.authorized }] };
    case 'declined':
    case 'failed':
      return { replies: [{ type: 'voided', withPayment: false }] };
    case 'captured':
      return intent.target === 'refunded' ? { replies: [] } : { target: 'refunded', replies: [] };
    case 'pending':
    case 'authorized':
      if (intent.target === 'authorized') return { target: 'voided', replies: [] };
      if (intent.target === 'captured') return { target: 'refunded', replies: [] };
      return { replies: [] }; // voided or refunded: the compensation is under way
  }
}

/**
 * How the outcome of `operation` changes the intent. `authorize` and `capture` that keep failing
 * fail for good (the saga compensates); `void` and `refund` must happen, so they are tried again later.
 */
export function decideOutcome(intent: IntentState, operation: ProviderOperation, outcome: Outcome): OutcomeDecision {
  const { target } = intent;
  switch (operation) {
    case 'authorize': {
      if (outcome.kind === 'authorized')
        return { status: 'authorized', target, ledger: 'authorization', replies: [{ type: 'authorized' }] };
      const reason: FailureReason = outcome.kind === 'declined' ? 'payment_declined' : 'payment_failed';
      const detail = outcome.kind === 'declined' || outcome.kind === 'failed' ? outcome.detail : 'no answer';
      const replies: Reply[] = [{ type: 'failed', operation: 'authorize', reason, detail }];
      // Commands that queued behind this authorize get their answer now: there is nothing to capture or give back.
      // (A target of `refunded` before any authorization means a capture was asked for, then a compensation.)
      if (target === 'captured' || target === 'refunded') replies.push(captureRefused(reason, `the payment was not authorized: ${detail}`));
      if (target === 'voided' || target === 'refunded') replies.push({ type: 'voided', withPayment: false });
      return { status: reason === 'payment_declined' ? 'declined' : 'failed', target, failure: { reason, detail }, replies };
    }
    case 'capture': {
      if (outcome.kind === 'done') return { status: 'captured', target, ledger: 'capture', replies: [{ type: 'captured' }] };
      const detail = outcome.kind === 'failed' || outcome.kind === 'declined' ? outcome.detail : 'no answer';
      // Not captured: a refund that waited for the capture becomes a void of the authorization.
      return {
        status: 'authorized',
        target: target === 'refunded' ? 'voided' : 'authorized',
        replies: [captureRefused('payment_failed', detail)],
      };
    }
    case 'void':
      if (outcome.kind === 'done') return { status: 'voided', target, ledger: 'void', replies: [{ type: 'voided', withPayment: true }] };
      return { status: intent.status, target, replies: [], retryLater: true };
    case 'refund':
      if (outcome.kind === 'done') return { status: 'refunded', target, ledger: 'refund', replies: [{ type: 'refunded' }] };
      return { status: intent.status, target, replies: [], retryLater: true };
  }
}

function reasonOf(intent: IntentState): FailureReason {
  return intent.failureReason ?? (intent.status === 'declined' ? 'payment_declined' : 'payment_failed');
}

function captureRefused(reason: FailureReason, detail: string): Reply {
  return { type: 'failed', operation: 'capture', reason, detail };
}
