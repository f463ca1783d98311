import type { ProblemType } from '@mercato/kit';

const BASE = 'https://mercato.dev/problems/identity/';

/** The identity service's problem types. */
export const IdentityProblems = {
  emailTaken: { type: `${BASE}email-taken`, title: 'Email already registered', status: 409 },
  badCredentials: { type: `${BASE}bad-credentials`, title: 'Wrong email or password', status: 401 },
  badRefreshToken: { type: `${BASE}bad-refresh-token`, title: 'Refresh token not valid', status: 401 },
  lockedOut: { type: `${BASE}locked-out`, title: 'Too many failed sign-ins', status: 429 },
  badClient: { type: `${BASE}invalid-client`, title: 'Unknown client or wrong secret', status: 401 },
  unsupportedGrant: { type: `${BASE}unsupported-grant-type`, title: 'Unsupported grant type', status: 400 },
  userGone: { type: `${BASE}user-not-found`, title: 'User not found', status: 404 },
} as const satisfies Record<string, ProblemType>;
