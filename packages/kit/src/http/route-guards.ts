import type { FastifyRequest } from 'fastify';
import { requireAdmin, requireUser } from '../auth/auth-hook.ts';

// preValidation guards: Fastify runs preValidation before schema validation, so a route using them
// answers 401 (no user) → 403 (not admin) before any 400 for its input.

/** Route option `preValidation: userOnly`: 401 unless a user token signed the request. */
export async function userOnly(request: FastifyRequest): Promise<void> {
  requireUser(request);
}

/** Route option `preValidation: adminOnly`: 401 without a user, 403 for a user without the admin role. */
export async function adminOnly(request: FastifyRequest): Promise<void> {
  requireAdmin(request);
}
