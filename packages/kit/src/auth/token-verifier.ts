import { createLocalJWKSet, errors, type JSONWebKeySet, type JWK, type JWTPayload, jwtVerify } from 'jose';
import { ACCESS_TOKEN_SECONDS, type Principal, USER_AUDIENCE } from './principal.ts';

/** Fetches the current JWKS (from identity, found through discovery, or from identity's own store). */
export type JwksSource = () => Promise<JSONWebKeySet>;

/**
 * Tokens already verified, until they expire: the same shopper's token arrives with every request,
 * and an Ed25519 check per request was the gateway's largest single cost (`npm run bench -- gateway`).
 * Bounded; the oldest entries go first.
 */
const VERIFIED_CACHE_SIZE = 10_000;

/** Clock skew tolerated between identity and a verifier. */
const CLOCK_SKEW_SECONDS = 60;

/**
 * A key that vanishes from identity's set is still trusted this long: every token it signed has
 * expired by then, so a refresh (rotation, a restarted identity) never cuts off a live session.
 */
const KEY_RETENTION_MS = (ACCESS_TOKEN_SECONDS + CLOCK_SKEW_SECONDS) * 1000;

/** A JWKS is refetched for an unknown `kid` at most this often, so forged kids cannot hammer identity. */
const REFETCH_MIN_MS = 5_000;

export class InvalidTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidTokenError';
  }
}

/** No signing key could be fetched (identity unreachable, or it did not prove its key set): 503, not 401. */
export class SigningKeysUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`signing keys are unavailable: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'SigningKeysUnavailableError';
  }
}

/**
 * Verifies access tokens: EdDSA only (so `alg: none` and HMAC confusion are refused), issuer and
 * audience checked, expiry enforced. Keys are cached; an unknown `kid` refetches the JWKS once
 * (rotation), rate-limited, and a refresh adds keys without dropping any before its tokens expire.
 */
export class TokenVerifier {
  readonly #source: JwksSource;
  readonly #issuer: string;
  readonly #audiences: string[];
  readonly #refetchMinMs: number;
  #keys: ReturnType<typeof createLocalJWKSet> | undefined;
  /** Every key seen, by kid, with when it was last in identity's set. */
  readonly #seen = new Map<string, { jwk: JWK; seenAt: number }>();
  #fetchedAt = 0;
  #fetching: Promise<void> | undefined;
  readonly #verified = new Map<string, { principal: Principal; expiresAt: number }>();

  /** `service` is the verifying service's own name: service tokens must be addressed to it. */
  constructor(options: { source: JwksSource; issuer: string; service: string; acceptUserTokens?: boolean; refetchMinMs?: number }) {
    this.#source = options.source;
    this.#refetchMinMs = options.refetchMinMs ?? REFETCH_MIN_MS;
    this.#issuer = options.issuer;
    this.#audiences = options.acceptUserTokens === false ? [options.service] : [USER_AUDIENCE, options.service];
  }

  async verify(token: string): Promise<Principal> {
    const cached = this.#verified.get(token);
    if (cached && cached.expiresAt > Date.now()) return cached.principal;
    if (cached) this.#verified.delete(token);
    try {
      const payload = await this.#verifyWithRefetch(token);
      const principal = toPrincipal(payload, token);
      this.#remember(token, principal, (payload.exp ?? 0) * 1000);
      return principal;
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      if (error instanceof errors.JWTExpired) throw new InvalidTokenError('the access token has expired');
      if (error instanceof errors.JOSEError) throw new InvalidTokenError(`the access token is not valid (${error.code})`);
      throw error;
    }
  }

  #remember(token: string, principal: Principal, expiresAt: number): void {
    if (this.#verified.size >= VERIFIED_CACHE_SIZE) {
      const oldest = this.#verified.keys().next().value;
      if (oldest !== undefined) this.#verified.delete(oldest);
    }
    this.#verified.set(token, { principal, expiresAt });
  }

  async #verifyWithRefetch(token: string): Promise<JWTPayload> {
    if (!this.#keys) await this.#refresh();
    try {
      return await this.#verifyNow(token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || Date.now() - this.#fetchedAt < this.#refetchMinMs) throw error;
      // With keys in hand, a failed refetch leaves this token signed by a key nobody vouches for.
      await this.#refresh().catch((refreshError) => {
        throw refreshError instanceof SigningKeysUnavailableError ? error : refreshError;
      });
      return this.#verifyNow(token);
    }
  }

  async #verifyNow(token: string): Promise<JWTPayload> {
    if (!this.#keys) throw new InvalidTokenError('no signing keys are known yet');
    const { payload } = await jwtVerify(token, this.#keys, {
      issuer: this.#issuer,
      audience: this.#audiences,
      algorithms: ['EdDSA'],
      requiredClaims: ['exp', 'iat'],
      clockTolerance: CLOCK_SKEW_SECONDS,
    });
    // A token that lives longer than identity ever issues (or claims to be issued in the future) is forged or misconfigured.
    const now = Date.now() / 1000;
    const exp = payload.exp ?? 0;
    const iat = payload.iat ?? 0;
    if (iat > now + CLOCK_SKEW_SECONDS) throw new InvalidTokenError('the access token is issued in the future');
    if (exp - iat > ACCESS_TOKEN_SECONDS || exp - now > ACCESS_TOKEN_SECONDS + CLOCK_SKEW_SECONDS) {
      throw new InvalidTokenError(`the access token lives longer than ${ACCESS_TOKEN_SECONDS} s`);
    }
    return payload;
  }

  async #refresh(): Promise<void> {
    this.#fetching ??= (async () => {
      try {
        // Failed attempts count for the refetch bound too, so forged kids cannot hammer a failing identity.
        this.#fetchedAt = Date.now();
        const fetched = await this.#source().catch((error: unknown) => {
          throw new SigningKeysUnavailableError(error);
        });
        const now = Date.now();
        for (const jwk of fetched.keys) this.#seen.set(jwk.kid ?? JSON.stringify(jwk), { jwk, seenAt: now });
        for (const [kid, entry] of this.#seen) if (now - entry.seenAt > KEY_RETENTION_MS) this.#seen.delete(kid);
        this.#keys = createLocalJWKSet({ keys: [...this.#seen.values()].map((entry) => entry.jwk) });
        this.#fetchedAt = now;
      } finally {
        this.#fetching = undefined;
      }
    })();
    await this.#fetching;
  }
}

function toPrincipal(payload: JWTPayload, token: string): Principal {
  const sub = payload.sub;
  if (!sub) throw new InvalidTokenError('the access token has no subject');
  if (payload.kind === 'service' && sub.startsWith('service:')) return { kind: 'service', service: sub.slice('service:'.length), token };
  if (payload.kind === 'user') {
    const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
    return { kind: 'user', userId: sub, roles, token };
  }
  throw new InvalidTokenError('the access token is of an unknown kind');
}
