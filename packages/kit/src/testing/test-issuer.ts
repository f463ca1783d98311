import { exportJWK, generateKeyPair, type JSONWebKeySet, SignJWT } from 'jose';
import { uuidv7 } from '../bus/uuid-v7.ts';

/**
 * Signs access tokens the way identity does, with a key of its own, for tests of a service without
 * an identity: give the service `jwks: () => issuer.jwks` and call it with the tokens.
 */
export async function createTestIssuer(issuer = 'mercato') {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const kid = uuidv7();
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
  const sign = (claims: { sub: string; aud: string; kind: 'user' | 'service'; roles: string[] }) =>
    new SignJWT({ kind: claims.kind, roles: claims.roles })
      .setProtectedHeader({ alg: 'EdDSA', kid })
      .setIssuer(issuer)
      .setAudience(claims.aud)
      .setSubject(claims.sub)
      .setIssuedAt()
      .setExpirationTime('15m')
      .sign(privateKey);
  return {
    jwks: async (): Promise<JSONWebKeySet> => ({ keys: [publicJwk] }),
    userToken: (roles: string[] = ['customer'], userId: string = uuidv7()) =>
      sign({ sub: userId, aud: 'mercato-api', kind: 'user', roles }),
    serviceToken: (caller: string, audience: string) =>
      sign({ sub: `service:${caller}`, aud: audience, kind: 'service', roles: ['service'] }),
  };
}
