import { createHash, randomBytes } from 'node:crypto';
import { ACCESS_TOKEN_SECONDS, HttpProblem, type Kysely, USER_AUDIENCE, uuidv7 } from '@mercato/kit';
import { IdentityProblems } from './errors.ts';
import type { SigningKeys } from './signing-keys.ts';
import type { IdentityStore, UserRow } from './store.ts';

const REFRESH_TOKEN_DAYS = 30;

export interface Session {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

const hashOf = (token: string) => createHash('sha256').update(token).digest();

/** Access tokens (JWT, 15 min) and rotating opaque refresh tokens (30 days, stored hashed). */
export class Sessions {
  readonly #store: IdentityStore;
  readonly #keys: SigningKeys;

  constructor(store: IdentityStore, keys: SigningKeys) {
    this.#store = store;
    this.#keys = keys;
  }

  /** A new login: a new refresh-token family. */
  async start(tx: Kysely<unknown>, user: Pick<UserRow, 'id' | 'roles'>): Promise<Session> {
    return this.#issue(tx, user, uuidv7());
  }

  /**
   * Spends a refresh token for a new pair. A token works once: presenting a spent (or revoked) one
   * again is taken as theft, and every token of its family (that login) is revoked.
   */
  async refresh(refreshToken: string): Promise<Session> {
    const hash = hashOf(refreshToken);
    const outcome = await this.#store.db.transaction().execute(async (tx) => {
      const row = await this.#store.refreshTokenForUpdate(tx, hash);
      if (!row) return { kind: 'unknown' as const };
      if (row.used_at || row.revoked_at) {
        await this.#store.revokeFamily(tx, row.family_id);
        return { kind: 'reused' as const };
      }
      if (row.expires_at.getTime() <= Date.now()) return { kind: 'expired' as const };
      await this.#store.markRefreshTokenUsed(tx, hash);
      const user = await this.#store.userById(row.user_id);
      if (!user) return { kind: 'unknown' as const };
      return { kind: 'ok' as const, session: await this.#issue(tx, user, row.family_id) };
    });
    if (outcome.kind === 'ok') return outcome.session;
    const detail = {
      unknown: 'This refresh token is not valid; sign in again.',
      expired: 'This refresh token has expired; sign in again.',
      reused: 'This refresh token was already used; every session of this login has been ended. Sign in again.',
    }[outcome.kind];
    throw new HttpProblem(IdentityProblems.badRefreshToken, detail);
  }

  /** Ends the login the token belongs to; quietly does nothing for an unknown token. */
  async end(refreshToken: string): Promise<void> {
    await this.#store.db.transaction().execute(async (tx) => {
      const row = await this.#store.refreshTokenForUpdate(tx, hashOf(refreshToken));
      if (row) await this.#store.revokeFamily(tx, row.family_id);
    });
  }

  async #issue(tx: Kysely<unknown>, user: Pick<UserRow, 'id' | 'roles'>, familyId: string): Promise<Session> {
    const refreshToken = randomBytes(32).toString('base64url');
    await this.#store.insertRefreshToken(tx, {
      hash: hashOf(refreshToken),
      familyId,
      userId: user.id,
      expiresAt: new Date(Date.now() + REFRESH_TOKEN_DAYS * 24 * 3600 * 1000),
    });
    const accessToken = await this.#keys.sign({ sub: user.id, aud: USER_AUDIENCE, kind: 'user', roles: user.roles });
    return { accessToken, refreshToken, expiresIn: ACCESS_TOKEN_SECONDS };
  }
}
