import { principalOf, type TokenVerifier, unauthorized } from '@mercato/kit';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * Verifies a bearer token at the edge when one is sent (a bad one is 401 here, before any service is
 * called). Which routes need a user is for the owning service to say; it verifies the token again.
 * `passThrough` names requests whose `Authorization` is not the platform's to judge: those forwarded
 * to the legacy app, which authenticates its own (Basic, its own tokens) and gets the header as sent.
 */
export function installEdgeAuth(app: FastifyInstance, verifier: TokenVerifier, passThrough?: (request: FastifyRequest) => boolean): void {
  app.addHook('onRequest', async (request) => {
    if (passThrough?.(request)) return;
    const principal = await principalOf(request, verifier);
    if (principal && principal.kind !== 'user') throw unauthorized('Only user access tokens are accepted at the public API.');
    request.principal = principal;
  });
}
