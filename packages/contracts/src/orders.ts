import { type Static, Type } from 'typebox';
import { Money, Sku } from './catalog.ts';
import { defineEvent } from './envelope.ts';

/** Why an order ended `cancelled` (API.md). */
export const CancelReason = Type.Union([
  Type.Literal('out_of_stock'),
  Type.Literal('payment_declined'),
  Type.Literal('payment_failed'),
  Type.Literal('customer_request'),
  Type.Literal('expired'),
]);
export type CancelReason = Static<typeof CancelReason>;

const OrderLine = Type.Object(
  { sku: Sku, productId: Type.String(), name: Type.String(), unitPrice: Money, quantity: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);

// Every orders event has the order id as its subject.

/** A shopper placed an order; the saga starts. */
export const OrderPlaced = defineEvent(
  'orders.order.placed.v1',
  Type.Object(
    { orderId: Type.String(), userId: Type.String(), lines: Type.Array(OrderLine), total: Money },
    { additionalProperties: false },
  ),
);

/** Stock is committed and the payment captured. */
export const OrderConfirmed = defineEvent(
  'orders.order.confirmed.v1',
  Type.Object(
    { orderId: Type.String(), userId: Type.String(), lines: Type.Array(OrderLine), total: Money },
    { additionalProperties: false },
  ),
);

/**
 * The order ended cancelled, its compensations done (stock released, payment voided or refunded).
 *
 * `lines` are the order's lines as placed (name and unit price are the snapshot taken at placement),
 * so a consumer can act on them without calling orders back: the cart puts them back into the owner's
 * cart after `payment_declined` or `payment_failed` (API.md). Orders always sends them; they are
 * optional so that an event already waiting in an outbox when orders is upgraded still validates (a
 * consumer treats a missing `lines` as "nothing to put back"). Added to v1 rather than made a v2:
 * the field is optional and no service consumed this event before the cart did, so no reader breaks.
 */
export const OrderCancelled = defineEvent(
  'orders.order.cancelled.v1',
  Type.Object(
    { orderId: Type.String(), userId: Type.String(), reason: CancelReason, lines: Type.Optional(Type.Array(OrderLine)) },
    { additionalProperties: false },
  ),
);

export const OrderShipped = defineEvent(
  'orders.order.shipped.v1',
  Type.Object(
    { orderId: Type.String(), userId: Type.String(), carrier: Type.String(), trackingNumber: Type.String() },
    { additionalProperties: false },
  ),
);

/**
 * `GET /internal/payment-tokens/{orderId}` on orders (caller: payments only): the card token of an
 * order waiting for its authorization, handed over once per provider call; 404 once it is spent.
 */
export const PaymentTokenAnswer = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
export type PaymentTokenAnswer = Static<typeof PaymentTokenAnswer>;
