import { ACCESS_TOKEN_SECONDS, type DataCipher, type Kysely, sql, uuidv7 } from '@mercato/kit';
import { exportJWK, generateKeyPair, importJWK, type JSONWebKeySet, type JWK, SignJWT } from 'jose';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/** A retired key stays published this long: every token it signed has expired by then. */
const RETIRED_KEY_GRACE_SECONDS = ACCESS_TOKEN_SECONDS + 60;

/**
 * Ed25519 signing keys in the database, the private halves encrypted with the data key. The newest
 * unretired key signs; `rotate()` retires it and makes a new one; the JWKS lists the signing key and
 * the recently retired ones.
 */
export class SigningKeys {
  readonly #db: Kysely<unknown>;
  readonly #cipher: DataCipher;
  readonly #issuer: string;
  #active: { kid: string; key: PrivateKey } | undefined;

  constructor(db: Kysely<unknown>, cipher: DataCipher, issuer: string) {
    this.#db = db;
    this.#cipher = cipher;
    this.#issuer = issuer;
  }

  /** Loads the signing key, making the first one on a fresh database. */
  async load(): Promise<void> {
    const { rows } = await sql<{ kid: string; private_enc: string }>`
      select kid, private_enc from signing_keys where retired_at is null order by created_at desc limit 1`.execute(this.#db);
    const row = rows[0];
    if (!row) {
      await this.rotate();
      return;
    }
    const jwk = JSON.parse(this.#cipher.decrypt(row.private_enc)) as JWK;
    this.#active = { kid: row.kid, key: (await importJWK(jwk, 'EdDSA')) as PrivateKey };
  }

  /** Retires the signing key (it stays in the JWKS for its tokens' lifetime) and starts signing with a new one. */
  async rotate(): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const kid = uuidv7();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
    const privateJwk = await exportJWK(privateKey);
    await this.#db.transaction().execute(async (tx) => {
      await sql`update signing_keys set retired_at = now() where retired_at is null`.execute(tx);
      await sql`insert into signing_keys (kid, public_jwk, private_enc) values (${kid}, ${JSON.stringify(publicJwk)}::jsonb, ${this.#cipher.encrypt(JSON.stringify(privateJwk))})`.execute(
        tx,
      );
    });
    this.#active = { kid, key: privateKey };
    return kid;
  }

  async jwks(): Promise<JSONWebKeySet> {
    const { rows } = await sql<{ public_jwk: JWK }>`
      select public_jwk from signing_keys
      where retired_at is null or retired_at > now() - make_interval(secs => ${RETIRED_KEY_GRACE_SECONDS})
      order by created_at desc`.execute(this.#db);
    return { keys: rows.map((r) => r.public_jwk) };
  }

  /** Signs an access token: EdDSA, `kid` in the header, 15 minutes. */
  async sign(claims: { sub: string; aud: string; kind: 'user' | 'service'; roles: string[] }): Promise<string> {
    if (!this.#active) await this.load();
    const active = this.#active;
    if (!active) throw new Error('no signing key');
    return new SignJWT({ kind: claims.kind, roles: claims.roles })
      .setProtectedHeader({ alg: 'EdDSA', kid: active.kid, typ: 'JWT' })
      .setIssuer(this.#issuer)
      .setAudience(claims.aud)
      .setSubject(claims.sub)
      .setIssuedAt()
      .setExpirationTime(`${ACCESS_TOKEN_SECONDS}s`)
      .setJti(uuidv7())
      .sign(active.key);
  }
}
