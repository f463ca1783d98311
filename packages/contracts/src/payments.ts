import { Type } from 'typebox';
import { Money } from './catalog.ts';
import { defineEvent } from './envelope.ts';

// The checkout saga's payment commands (consumed by payments) and their replies (consumed by
// orders). Every one has the order id as its subject, so an order's payment steps keep their order.
// One payment intent per order: every command is idempotent by order id.

const OrderId = Type.String({ minLength: 1, maxLength: 100 });

/**
 * Authorize `amount` for the order. Replies: `authorized` or `failed`. The card token is not in the
 * command (ADR 0015): payments asks orders for it directly, once, right before the provider call,
 * so no token ever sits in the bus's queues or completed jobs.
 */
export const AuthorizePayment = defineEvent(
  'payments.authorize.v2',
  Type.Object({ orderId: OrderId, amount: Money }, { additionalProperties: false }),
);
/** Capture the whole authorized amount. Replies: `captured` or `failed`. */
export const CapturePayment = defineEvent('payments.capture.v1', Type.Object({ orderId: OrderId }, { additionalProperties: false }));
/** Give up an authorization that was not captured. Reply: `voided` (also when there was nothing to void). */
export const VoidPayment = defineEvent('payments.void.v1', Type.Object({ orderId: OrderId }, { additionalProperties: false }));
/** Give back a captured payment (an order cancelled after confirmation). Reply: `refunded`. */
export const RefundPayment = defineEvent('payments.refund.v1', Type.Object({ orderId: OrderId }, { additionalProperties: false }));

const Card = { brand: Type.String(), last4: Type.String({ pattern: '^[0-9]{4}$' }) };

export const PaymentAuthorized = defineEvent(
  'payments.payment.authorized.v1',
  Type.Object({ orderId: OrderId, paymentId: Type.String(), amount: Money, ...Card }, { additionalProperties: false }),
);

/**
 * A step failed for good: `payment_declined` (the provider said no) or `payment_failed` (the provider
 * kept erroring through the retries). `operation` says which step.
 */
export const PaymentFailed = defineEvent(
  'payments.payment.failed.v1',
  Type.Object(
    {
      orderId: OrderId,
      operation: Type.Union([Type.Literal('authorize'), Type.Literal('capture')]),
      reason: Type.Union([Type.Literal('payment_declined'), Type.Literal('payment_failed')]),
      detail: Type.String({ maxLength: 500 }),
    },
    { additionalProperties: false },
  ),
);

export const PaymentCaptured = defineEvent(
  'payments.payment.captured.v1',
  Type.Object({ orderId: OrderId, paymentId: Type.String(), amount: Money }, { additionalProperties: false }),
);

export const PaymentVoided = defineEvent(
  'payments.payment.voided.v1',
  Type.Object({ orderId: OrderId, paymentId: Type.Union([Type.String(), Type.Null()]) }, { additionalProperties: false }),
);

export const PaymentRefunded = defineEvent(
  'payments.payment.refunded.v1',
  Type.Object({ orderId: OrderId, paymentId: Type.String(), amount: Money }, { additionalProperties: false }),
);

/**
 * The sandbox provider's test tokens (API.md, "Orders and checkout"): `tok_visa` and
 * `tok_mastercard` authorize, `tok_declined` and `tok_insufficient_funds` are declined,
 * `tok_provider_error` makes every provider call fail. Orders refuses any other token at placement
 * (400) while the sandbox is the provider; payments' sandbox declines one that slips through.
 */
export const SANDBOX_TEST_TOKENS = ['tok_visa', 'tok_mastercard', 'tok_declined', 'tok_insufficient_funds', 'tok_provider_error'] as const;
export type SandboxTestToken = (typeof SANDBOX_TEST_TOKENS)[number];
