import { defineEvent } from '@mercato/contracts';
import { Type } from 'typebox';

/** The benchmark's event: when it entered the outbox, so the consumer can record the end-to-end time. */
export const BenchPinged = defineEvent(
  'bench.ping.sent.v1',
  Type.Object({ sentAt: Type.Number(), seq: Type.Integer() }, { additionalProperties: false }),
);

export const benchMigrations = new URL('./migrations/', import.meta.url);
