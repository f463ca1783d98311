import { Type } from 'typebox';
import { defineEvent } from './envelope.ts';

/** A shopper registered. Carries no personal data beyond the id: consumers ask identity if they need more. */
export const UserRegistered = defineEvent(
  'identity.user.registered.v1',
  Type.Object({ userId: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
);
