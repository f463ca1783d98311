import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Identity proves that a key set is its own. The verifier sends its client id and a fresh nonce;
 * identity answers with an HMAC-SHA256 over the nonce and the exact body, keyed by the SHA-256 of
 * that client's secret, which only identity (from its client table) and the client know. A rogue
 * instance that got itself discovered cannot produce it, so its keys are never trusted.
 */
export const JWKS_CLIENT_HEADER = 'mercato-client-id';
export const JWKS_NONCE_HEADER = 'mercato-nonce';
export const JWKS_PROOF_HEADER = 'mercato-jwks-proof';

export function jwksProof(secretHash: Buffer, nonce: string, body: string): string {
  return createHmac('sha256', secretHash).update(nonce).update('\n').update(body).digest('base64url');
}

export function isJwksProofValid(secretHash: Buffer, nonce: string, body: string, proof: string | undefined): boolean {
  if (!proof) return false;
  const expected = Buffer.from(jwksProof(secretHash, nonce, body));
  const actual = Buffer.from(proof);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
