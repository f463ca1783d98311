import { ReserveStockRequest } from '@mercato/contracts';
import { CommonProblems, type HttpApp, HttpProblem, traceparentOf, transaction } from '@mercato/kit';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { InventoryProblems } from '../errors.ts';
import type { InventoryStore } from '../store.ts';

const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });

/** Reservations are for services (the checkout saga), never for shoppers. */
function requireService(request: FastifyRequest): void {
  if (request.principal?.kind !== 'service') throw new HttpProblem(CommonProblems.forbidden, 'Only services manage reservations.');
}

/** The internal HTTP face of the reservation commands (the bus carries the same ones). */
export function reservationRoutes(app: HttpApp, store: InventoryStore, defaultTtlSeconds: number): void {
  app.post('/internal/reservations', { schema: { body: ReserveStockRequest } }, async (request) => {
    requireService(request);
    const { body } = request;
    return transaction(store.db, (tx) =>
      store.reserve(tx, body.id, body.lines, body.ttlSeconds ?? defaultTtlSeconds, traceparentOf(request)),
    );
  });

  app.post('/internal/reservations/:id/commit', { schema: { params: Id } }, async (request) => {
    requireService(request);
    const { id } = request.params;
    const outcome = await transaction(store.db, (tx) => store.commit(tx, id));
    if (outcome === 'unknown') throw new HttpProblem(InventoryProblems.unknownReservation, `No reservation ${id}.`);
    if (outcome === 'closed')
      throw new HttpProblem(
        InventoryProblems.reservationClosed,
        `Reservation ${id} was released, expired or failed; it cannot be committed.`,
      );
    return outcome;
  });

  app.post('/internal/reservations/:id/release', { schema: { params: Id } }, async (request) => {
    requireService(request);
    const { id } = request.params;
    const outcome = await transaction(store.db, (tx) => store.release(tx, id));
    if (outcome === 'unknown') throw new HttpProblem(InventoryProblems.unknownReservation, `No reservation ${id}.`);
    return outcome;
  });
}
