import { randomBytes } from 'node:crypto';
import { type Dispatcher, request } from 'undici';
import type { ClientCredentials } from '../auth/basic-credentials.ts';
import { isJwksProofValid, JWKS_CLIENT_HEADER, JWKS_NONCE_HEADER, JWKS_PROOF_HEADER } from '../auth/jwks-proof.ts';
import { secretHash } from '../auth/service-clients.ts';
import type { JwksSource } from '../auth/token-verifier.ts';
import type { Discovery } from '../discovery/discovery.ts';

/**
 * Identity's public keys, fetched from whichever identity instance discovery knows. With client
 * credentials, the answer must carry identity's proof over a fresh nonce (`jwks-proof.ts`): a rogue
 * instance that got into discovery cannot make the platform trust its keys.
 */
export function identityJwks(
  discovery: Discovery | undefined,
  credentials: ClientCredentials | undefined,
  dispatcher?: Dispatcher | undefined,
): JwksSource {
  return async () => {
    const identity = discovery?.pick('identity');
    if (!identity) throw new Error('no identity instance is known: cannot fetch signing keys');
    const nonce = randomBytes(24).toString('base64url');
    const headers = credentials ? { [JWKS_CLIENT_HEADER]: credentials.clientId, [JWKS_NONCE_HEADER]: nonce } : {};
    const response = await request(`${identity.url}/.well-known/jwks.json`, { headers, headersTimeout: 3_000, dispatcher });
    const body = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`identity answered ${response.statusCode} for its JWKS`);
    if (credentials) {
      const proof = response.headers[JWKS_PROOF_HEADER];
      const hash = secretHash(credentials.clientSecret);
      if (!isJwksProofValid(hash, nonce, body, typeof proof === 'string' ? proof : undefined)) {
        throw new Error(`the identity instance at ${identity.url} did not prove its key set: its keys are not trusted`);
      }
    }
    return JSON.parse(body) as Awaited<ReturnType<JwksSource>>;
  };
}
