import { allowedCallers } from '@mercato/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CommonProblems, HttpProblem } from '../problem.ts';
import type { Principal } from './principal.ts';
import { InvalidTokenError, SigningKeysUnavailableError, type TokenVerifier } from './token-verifier.ts';

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/;

export function unauthorized(detail: string): HttpProblem {
  return new HttpProblem(CommonProblems.unauthorized, detail, { headers: { 'www-authenticate': 'Bearer' } });
}

/** The verified principal of a request carrying `Authorization: Bearer <jwt>`; undefined without the header. */
export async function principalOf(request: FastifyRequest, verifier: TokenVerifier): Promise<Principal | undefined> {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = BEARER.exec(header);
  if (!match?.[1]) throw unauthorized('The Authorization header must be "Bearer <access token>".');
  try {
    return await verifier.verify(match[1]);
  } catch (error) {
    if (error instanceof InvalidTokenError) throw unauthorized(`${error.message[0]?.toUpperCase()}${error.message.slice(1)}.`);
    if (error instanceof SigningKeysUnavailableError) {
      request.log.error({ err: error }, 'cannot verify tokens: no trusted signing keys');
      throw new HttpProblem(CommonProblems.serviceUnavailable, 'Tokens cannot be verified right now; try again shortly.', {
        headers: { 'retry-after': '1' },
      });
    }
    throw error;
  }
}

/**
 * Never trust the network: every request to a service port carries a valid user token or a service
 * token addressed to this service, else 401 — except `/health/*`, which probes call bare. Internal and
 * operator paths answer only the callers the topology names for them (contracts `allowedCallers`);
 * operator paths also admin users. Anything else there → 403, whatever the token.
 */
export function installServiceAuth(app: FastifyInstance, verifier: TokenVerifier, publicPaths: readonly string[] = [], service = ''): void {
  const open = new Set(publicPaths);
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0] ?? '';
    if (path.startsWith('/health/')) return;
    if (open.has(path)) {
      // A token is still verified when present, so a public route can tell who calls.
      request.principal = await principalOf(request, verifier);
      return;
    }
    const principal = await principalOf(request, verifier);
    if (!principal) throw unauthorized('This service answers only authenticated calls (a user or service access token).');
    request.principal = principal;
    // The routed pattern, not the raw URL: `..` or `\` in a path cannot make an internal route look public.
    const limited = allowedCallers(service, request.routeOptions.url ?? path) ?? allowedCallers(service, path);
    if (!limited) return;
    const allowed =
      principal.kind === 'service' ? limited.callers.includes(principal.service) : limited.ops && principal.roles.includes('admin');
    if (!allowed) throw new HttpProblem(CommonProblems.forbidden, 'This route answers only the services that need it (see the topology).');
  });
}

/** The signed-in user of a request, or 401; a service token is not a user. */
export function requireUser(request: FastifyRequest): Extract<Principal, { kind: 'user' }> {
  const principal = request.principal;
  if (principal?.kind !== 'user') throw unauthorized('Sign in first: this route needs a user access token.');
  return principal;
}

/** An admin user, else 401 (no user) or 403 (a user without the admin role). */
export function requireAdmin(request: FastifyRequest): Extract<Principal, { kind: 'user' }> {
  const user = requireUser(request);
  if (!user.roles.includes('admin')) throw new HttpProblem(CommonProblems.forbidden, 'This route is for staff with the admin role.');
  return user;
}
