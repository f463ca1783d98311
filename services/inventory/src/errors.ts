import type { ProblemType } from '@mercato/kit';

const BASE = 'https://mercato.dev/problems/inventory/';

export const InventoryProblems = {
  unknownSku: { type: `${BASE}unknown-sku`, title: 'Unknown SKU', status: 404 },
  belowReserved: { type: `${BASE}below-reserved`, title: 'On hand cannot go below what is reserved', status: 409 },
  unknownReservation: { type: `${BASE}unknown-reservation`, title: 'Unknown reservation', status: 404 },
  badCursor: { type: `${BASE}bad-cursor`, title: 'The cursor is not valid for this listing', status: 400 },
  reservationClosed: { type: `${BASE}reservation-closed`, title: 'The reservation can no longer change this way', status: 409 },
} as const satisfies Record<string, ProblemType>;
