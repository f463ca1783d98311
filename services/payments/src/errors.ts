import type { ProblemType } from '@mercato/kit';

const BASE = 'https://mercato.dev/problems/payments/';

export const PaymentsProblems = {
  unknownPayment: { type: `${BASE}unknown-payment`, title: 'No payment for this order', status: 404 },
} as const satisfies Record<string, ProblemType>;
