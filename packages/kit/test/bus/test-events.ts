import { defineEvent } from '@mercato/contracts';
import { Type } from 'typebox';

export const ThingHappened = defineEvent(
  'test.thing.happened.v1',
  Type.Object(
    {
      n: Type.Integer(),
      /** The handler throws for this one, every time. */
      poison: Type.Optional(Type.Boolean()),
      /** The handler throws while the `replayable` switch is on. */
      replayable: Type.Optional(Type.Boolean()),
      /** The handler sleeps this long inside its transaction. */
      slowMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
    },
    { additionalProperties: false },
  ),
);
