import { principalOf, type TokenVerifier, unauthorized } from '@mercato/kit';
import type { FastifyInstance } from 'fastify';

/**
 * Verifies a bearer token at the edge when one is sent (a bad one is 401 here, before any service is
 * called). Which routes need a user is for the owning service to say; it verifies the token again.
 */
export function installEdgeAuth(app: FastifyInstance, verifier: TokenVerifier): void {
  app.addHook('onRequest', async (request) => {
    const principal = await principalOf(request, verifier);
    if (principal && principal.kind !== 'user') throw unauthorized('Only user access tokens are accepted at the public API.');
    request.principal = principal;
  });
}
