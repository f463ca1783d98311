import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exportJWK, generateKeyPair, type JSONWebKeySet, SignJWT } from 'jose';
import { InvalidTokenError, SigningKeysUnavailableError, TokenVerifier } from '../src/index.ts';

async function keyPair(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA' } };
}

const sign = (
  key: Awaited<ReturnType<typeof keyPair>>,
  claims: { aud?: string; iss?: string; exp?: string | number; kind?: string } = {},
) =>
  new SignJWT({ kind: claims.kind ?? 'user', roles: ['customer'] })
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid })
    .setIssuer(claims.iss ?? 'mercato')
    .setAudience(claims.aud ?? 'mercato-api')
    .setSubject('user-1')
    .setIssuedAt()
    .setExpirationTime(claims.exp ?? '5m')
    .sign(key.privateKey);

describe('TokenVerifier', () => {
  it('keeps a key that vanished from the set: a refresh never cuts off tokens it signed', async () => {
    const [a, b] = [await keyPair('a'), await keyPair('b')];
    let served: JSONWebKeySet = { keys: [a.jwk] };
    const verifier = new TokenVerifier({ source: async () => served, issuer: 'mercato', service: 'catalog', refetchMinMs: 0 });
    const signedByA = await sign(a);
    assert.equal((await verifier.verify(signedByA)).kind, 'user');
    served = { keys: [b.jwk] };
    assert.equal((await verifier.verify(await sign(b))).kind, 'user', 'the new key is fetched for its kid');
    assert.equal((await verifier.verify(await sign(a, { exp: '4m' }))).kind, 'user', 'the vanished key still verifies');
  });

  it('a key source that fails: 503-worthy with no keys, and the token refused (not trusted) when keys are known', async () => {
    const a = await keyPair('a');
    const rogue = await keyPair('rogue');
    let failing = true;
    const verifier = new TokenVerifier({
      source: async () => {
        if (failing) throw new Error('identity did not prove its key set');
        return { keys: [a.jwk] };
      },
      issuer: 'mercato',
      service: 'catalog',
      refetchMinMs: 0,
    });
    await assert.rejects(verifier.verify(await sign(a)), SigningKeysUnavailableError);
    failing = false;
    assert.equal((await verifier.verify(await sign(a))).kind, 'user');
    failing = true;
    await assert.rejects(verifier.verify(await sign(rogue)), InvalidTokenError);
  });

  it('refuses a token without exp, and one that lives longer than an access token (ten years)', async () => {
    const key = await keyPair('k1');
    const verifier = new TokenVerifier({ source: async () => ({ keys: [key.jwk] }), issuer: 'mercato', service: 'catalog' });
    const base = () =>
      new SignJWT({ kind: 'user', roles: ['admin'] })
        .setProtectedHeader({ alg: 'EdDSA', kid: 'k1' })
        .setIssuer('mercato')
        .setAudience('mercato-api')
        .setSubject('user-1');
    await assert.rejects(verifier.verify(await base().setIssuedAt().sign(key.privateKey)), InvalidTokenError);
    await assert.rejects(verifier.verify(await base().setIssuedAt().setExpirationTime('3650d').sign(key.privateKey)), InvalidTokenError);
    await assert.rejects(verifier.verify(await base().setExpirationTime('5m').sign(key.privateKey)), InvalidTokenError);
    const future = Math.floor(Date.now() / 1000) + 3600;
    await assert.rejects(
      verifier.verify(
        await base()
          .setIssuedAt(future)
          .setExpirationTime(future + 300)
          .sign(key.privateKey),
      ),
      InvalidTokenError,
    );
    assert.equal((await verifier.verify(await base().setIssuedAt().setExpirationTime('15m').sign(key.privateKey))).kind, 'user');
  });

  it('accepts a user token and a service token addressed to this service, and nothing else', async () => {
    const key = await keyPair('k1');
    const verifier = new TokenVerifier({ source: async () => ({ keys: [key.jwk] }), issuer: 'mercato', service: 'catalog' });
    const userToken = await sign(key);
    assert.deepEqual(await verifier.verify(userToken), { kind: 'user', userId: 'user-1', roles: ['customer'], token: userToken });
    const forCatalog = new SignJWT({ kind: 'service', roles: ['service'] })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k1' })
      .setIssuer('mercato')
      .setAudience('catalog')
      .setSubject('service:cart')
      .setIssuedAt()
      .setExpirationTime('5m');
    const principal = await verifier.verify(await forCatalog.sign(key.privateKey));
    assert.equal(principal.kind, 'service');
    await assert.rejects(verifier.verify(await sign(key, { aud: 'orders' })), InvalidTokenError);
  });

  it('refuses expired tokens, another issuer, alg none and an HMAC token made with the public key', async () => {
    const key = await keyPair('k1');
    const verifier = new TokenVerifier({ source: async () => ({ keys: [key.jwk] }), issuer: 'mercato', service: 'catalog' });
    await assert.rejects(verifier.verify(await sign(key, { exp: Math.floor(Date.now() / 1000) - 60 })), /expired/);
    await assert.rejects(verifier.verify(await sign(key, { iss: 'evil' })), InvalidTokenError);
    const payload = Buffer.from(
      JSON.stringify({ iss: 'mercato', aud: 'mercato-api', sub: 'x', kind: 'user', exp: 9_999_999_999 }),
    ).toString('base64url');
    await assert.rejects(verifier.verify(`${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`), InvalidTokenError);
    const hmac = await new SignJWT({ kind: 'user' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer('mercato')
      .setAudience('mercato-api')
      .setSubject('x')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JSON.stringify(key.jwk)));
    await assert.rejects(verifier.verify(hmac), InvalidTokenError);
  });

  it('fetches the JWKS again for an unknown kid (a rotated key)', async () => {
    const first = await keyPair('k1');
    const second = await keyPair('k2');
    let published: JSONWebKeySet = { keys: [first.jwk] };
    let fetches = 0;
    const verifier = new TokenVerifier({
      source: async () => {
        fetches += 1;
        return published;
      },
      issuer: 'mercato',
      service: 'catalog',
      refetchMinMs: 200,
    });
    await verifier.verify(await sign(first));
    published = { keys: [second.jwk, first.jwk] };
    // The cache is young: the unknown kid is refused until the refetch interval has passed.
    await assert.rejects(verifier.verify(await sign(second)), InvalidTokenError);
    assert.equal(fetches, 1);
    await new Promise((resolve) => setTimeout(resolve, 250));
    assert.equal((await verifier.verify(await sign(second))).kind, 'user');
    assert.equal(fetches, 2);
  });
});
