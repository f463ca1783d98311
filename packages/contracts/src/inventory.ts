import { type Static, Type } from 'typebox';
import { defineEvent } from './envelope.ts';

const Line = Type.Object(
  { sku: Type.String({ minLength: 1, maxLength: 64 }), quantity: Type.Integer({ minimum: 1, maximum: 99 }) },
  { additionalProperties: false },
);

/** Every line of an order's reservation is held (subject: the reservation id). */
export const StockReserved = defineEvent(
  'inventory.stock.reserved.v1',
  Type.Object(
    { reservationId: Type.String(), lines: Type.Array(Line), expiresAt: Type.String({ format: 'date-time' }) },
    { additionalProperties: false },
  ),
);

/** Nothing was held: at least one line had too little stock (subject: the reservation id). */
export const StockReservationFailed = defineEvent(
  'inventory.stock.reservation-failed.v1',
  Type.Object(
    { reservationId: Type.String(), reason: Type.Literal('out_of_stock'), skus: Type.Array(Type.String()) },
    { additionalProperties: false },
  ),
);

/** Available stock of a SKU fell to its threshold or below (subject: the SKU). */
export const StockLow = defineEvent(
  'inventory.stock.low.v1',
  Type.Object({ sku: Type.String(), available: Type.Integer(), threshold: Type.Integer() }, { additionalProperties: false }),
);

/** The reservation commands' shared line shape, for the saga's payloads. */
export const ReservationLine = Line;

const ReservationId = Type.String({ minLength: 1, maxLength: 100 });
const ReservedLines = Type.Array(Line, { minItems: 1, maxItems: 100 });
/** How long the units are held before the sweeper frees them; inventory's default when absent. */
const ReservationTtl = Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 }));

/** Saga commands to inventory (one consumer each); idempotent by reservation id. */
export const ReserveStock = defineEvent(
  'inventory.reserve.v1',
  Type.Object({ reservationId: ReservationId, lines: ReservedLines, ttlSeconds: ReservationTtl }, { additionalProperties: false }),
);

/**
 * `POST /internal/reservations` (service tokens; orders may call it, see topology): the HTTP face of
 * `inventory.reserve.v1`, idempotent by `id`.
 */
export const ReserveStockRequest = Type.Object(
  { id: ReservationId, lines: ReservedLines, ttlSeconds: ReservationTtl },
  { additionalProperties: false },
);
export type ReserveStockRequest = Static<typeof ReserveStockRequest>;
export const CommitStock = defineEvent(
  'inventory.commit.v1',
  Type.Object({ reservationId: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }),
);
export const ReleaseStock = defineEvent(
  'inventory.release.v1',
  Type.Object({ reservationId: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }),
);

/** Replies to the saga's commit and release commands (subject: the reservation id). */
export const StockCommitted = defineEvent(
  'inventory.stock.committed.v1',
  Type.Object({ reservationId: Type.String() }, { additionalProperties: false }),
);

/** A commit found the reservation no longer held (expired by the sweeper, released, failed or unknown). */
export const StockCommitFailed = defineEvent(
  'inventory.stock.commit-failed.v1',
  Type.Object(
    { reservationId: Type.String(), reason: Type.Union([Type.Literal('expired'), Type.Literal('not_held')]) },
    { additionalProperties: false },
  ),
);

/** The reservation's units are free again (held → released, or committed → restocked); also for an unknown or already closed one. */
export const StockReleased = defineEvent(
  'inventory.stock.released.v1',
  Type.Object({ reservationId: Type.String() }, { additionalProperties: false }),
);
