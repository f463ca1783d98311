import { type Static, Type } from 'typebox';

/** A postal address (API.md): shipping addresses and a user's saved one. */
export const Address = Type.Object(
  {
    line1: Type.String({ minLength: 1, maxLength: 200 }),
    line2: Type.Optional(Type.String({ maxLength: 200 })),
    city: Type.String({ minLength: 1, maxLength: 100 }),
    postalCode: Type.String({ minLength: 1, maxLength: 20 }),
    country: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' }),
    phone: Type.Optional(Type.String({ pattern: '^\\+?[0-9 ()-]{4,30}$' })),
  },
  { additionalProperties: false },
);
export type Address = Static<typeof Address>;
