import { Type } from 'typebox';
import { Sku } from './catalog.ts';
import { defineEvent } from './envelope.ts';

/** A shopper added units of a SKU to their cart (subject: the user id). */
export const CartItemAdded = defineEvent(
  'cart.item.added.v1',
  Type.Object(
    { userId: Type.String(), sku: Sku, productId: Type.String(), quantity: Type.Integer({ minimum: 1 }) },
    { additionalProperties: false },
  ),
);
