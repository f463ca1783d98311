import { Type } from 'typebox';
import { defineEvent } from './envelope.ts';

/**
 * A signed-in shopper opened a product's page (subject: the user id). The gateway publishes it
 * straight to the bus from a bounded in-memory buffer, never through an outbox: it owns nothing
 * durable, and a view lost in a crash is acceptable (recommendations weighs views least).
 */
export const ProductViewed = defineEvent(
  'storefront.product.viewed.v1',
  Type.Object(
    { userId: Type.String({ minLength: 1, maxLength: 64 }), productId: Type.String({ format: 'uuid' }) },
    { additionalProperties: false },
  ),
);
