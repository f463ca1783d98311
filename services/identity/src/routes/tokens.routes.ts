import { TOPOLOGY } from '@mercato/contracts';
import {
  ACCESS_TOKEN_SECONDS,
  CommonProblems,
  type HttpApp,
  HttpProblem,
  JWKS_CLIENT_HEADER,
  JWKS_NONCE_HEADER,
  JWKS_PROOF_HEADER,
  jwksProof,
  type ServiceClients,
} from '@mercato/kit';
import { Type } from 'typebox';
import { IdentityProblems } from '../errors.ts';
import type { SigningKeys } from '../signing-keys.ts';

/** A service token may be addressed to any process that verifies tokens: all but the registry, which takes none. */
const AUDIENCES = new Set<string>(TOPOLOGY.filter((entry) => entry.role !== 'registry').map((entry) => entry.name));

const NoQuery = Type.Object({}, { additionalProperties: false });

const TokenRequest = Type.Object(
  {
    grant_type: Type.String({ maxLength: 64 }),
    client_id: Type.String({ minLength: 1, maxLength: 64 }),
    client_secret: Type.String({ minLength: 1, maxLength: 256 }),
    audience: Type.String({ minLength: 1, maxLength: 64 }),
  },
  { additionalProperties: false },
);

export function tokenRoutes(app: HttpApp, deps: { keys: SigningKeys; clients: ServiceClients }): void {
  app.get('/.well-known/jwks.json', { schema: { querystring: NoQuery } }, async (request, reply) => {
    const clientId = request.headers[JWKS_CLIENT_HEADER];
    const nonce = request.headers[JWKS_NONCE_HEADER];
    const secretHash = typeof clientId === 'string' ? deps.clients.hashOf(clientId) : undefined;
    if (!secretHash || typeof nonce !== 'string' || nonce.length < 16 || nonce.length > 128) {
      reply.header('cache-control', 'public, max-age=300');
      return deps.keys.jwks();
    }
    // A verifier asks identity to prove the keys are its own (see the kit's jwks-proof.ts).
    const body = JSON.stringify(await deps.keys.jwks());
    return reply
      .header('cache-control', 'no-store')
      .header(JWKS_PROOF_HEADER, jwksProof(secretHash, nonce, body))
      .type('application/json; charset=utf-8')
      .send(body);
  });

  // RFC 6749 asks for form encoding; JSON is accepted too.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  /** OAuth2 client credentials: a service proves who it is and gets a token for one callee (`audience`). */
  app.post('/oauth/token', { schema: { body: TokenRequest } }, async (request, reply) => {
    const { body } = request;
    if (body.grant_type !== 'client_credentials')
      throw new HttpProblem(IdentityProblems.unsupportedGrant, 'Only grant_type=client_credentials is supported.');
    if (!deps.clients.check(body.client_id, body.client_secret))
      throw new HttpProblem(IdentityProblems.badClient, 'Unknown client or wrong secret.');
    if (!AUDIENCES.has(body.audience)) throw new HttpProblem(CommonProblems.validation, `No service named ${body.audience} takes tokens.`);
    const token = await deps.keys.sign({ sub: `service:${body.client_id}`, aud: body.audience, kind: 'service', roles: ['service'] });
    reply.header('cache-control', 'no-store');
    return { access_token: token, token_type: 'Bearer', expires_in: ACCESS_TOKEN_SECONDS };
  });

  /** `mercato keys rotate`: only the `mercato` command's own client may ask. */
  app.post('/internal/keys/rotate', async (request) => {
    const principal = request.principal;
    if (principal?.kind !== 'service' || principal.service !== 'mercato') {
      throw new HttpProblem(CommonProblems.forbidden, 'Only the mercato command rotates signing keys.');
    }
    return { kid: await deps.keys.rotate() };
  });
}
