import { type Static, Type } from 'typebox';
import { Money, Sku } from './catalog.ts';
import { defineEvent } from './envelope.ts';

/** A shopper added units of a SKU to their cart (subject: the user id). */
export const CartItemAdded = defineEvent(
  'cart.item.added.v1',
  Type.Object(
    { userId: Type.String(), sku: Sku, productId: Type.String(), quantity: Type.Integer({ minimum: 1 }) },
    { additionalProperties: false },
  ),
);

/** One line of a cart: the name and unit price are the catalog's as last seen by the cart (a snapshot kept current by catalog events). */
export const CartLine = Type.Object(
  {
    sku: Sku,
    productId: Type.String({ format: 'uuid' }),
    name: Type.String(),
    unitPrice: Money,
    /** 1–99 (API.md). */
    quantity: Type.Integer({ minimum: 1, maximum: 99 }),
    /** unitPrice.amount × quantity. */
    lineTotal: Money,
  },
  { additionalProperties: false },
);
export type CartLine = Static<typeof CartLine>;

/**
 * A user's cart as `GET /api/cart` shows it and `GET /internal/carts/{userId}` answers services
 * (orders places an order from it). `id` is the same for a user whether or not they added anything.
 */
export const CartView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    /** Only in `GET /internal/carts/{userId}`: changes on every write to the cart and is never reused; orders places one revision at most once. */
    revision: Type.Optional(Type.String({ maxLength: 200 })),
    /** In the order they were first added; at most 100. */
    lines: Type.Array(CartLine, { maxItems: 100 }),
    /** The sum of the lines' totals, in the shop's currency. */
    subtotal: Money,
    /** The sum of the lines' quantities. */
    itemCount: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type CartView = Static<typeof CartView>;

/**
 * What orders reads of `GET /internal/carts/{userId}` to place an order: the revision it claims (one
 * order per revision) and each line's SKU and quantity. Names and prices it takes from the catalog,
 * never from the cart's snapshot. Every `CartView` with its revision satisfies it; the fields orders
 * does not read are not checked, so the cart can add to its view without breaking orders.
 */
export const CartToPlace = Type.Object({
  revision: Type.String({ minLength: 1, maxLength: 200 }),
  lines: Type.Array(Type.Object({ sku: Sku, quantity: Type.Integer({ minimum: 1, maximum: 99 }) }), { maxItems: 100 }),
});
export type CartToPlace = Static<typeof CartToPlace>;

/** The path of `GET` / `DELETE /internal/carts/{userId}` (service tokens only): whose cart, by the user id of their tokens. */
export const CartOwnerParams = Type.Object(
  { userId: Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$' }) },
  { additionalProperties: false },
);
export type CartOwnerParams = Static<typeof CartOwnerParams>;
