import { UserRegistered } from '@mercato/contracts';
import type { Kysely, Outbox } from '@mercato/kit';
import { sql } from '@mercato/kit';
import type { FailureState } from './domain/lockout.ts';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  roles: string[];
  address_enc: string | null;
}

export interface RefreshRow {
  family_id: string;
  user_id: string;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
}

export interface NewUser {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  roles: string[];
}

/** The only file that writes SQL for identity, and the one that publishes its events. */
export class IdentityStore {
  readonly #db: Kysely<unknown>;
  readonly #outbox: Outbox;
  constructor(db: Kysely<unknown>, outbox: Outbox) {
    this.#db = db;
    this.#outbox = outbox;
  }

  get db(): Kysely<unknown> {
    return this.#db;
  }

  /** A shopper's sign-up: `insertUser`, and `identity.user.registered.v1` in the same transaction when the account was made. */
  async registerUser(tx: Kysely<unknown>, user: NewUser, traceparent?: string): Promise<'created' | 'email_taken'> {
    const outcome = await this.insertUser(tx, user);
    if (outcome === 'created') await this.#outbox.publish(tx, UserRegistered, { subject: user.id, data: { userId: user.id }, traceparent });
    return outcome;
  }

  /** Makes an account and publishes nothing: the first admin (`first-admin.ts`) is not a registration. */
  async insertUser(tx: Kysely<unknown>, user: NewUser): Promise<'created' | 'email_taken'> {
    const { rows } = await sql<{ id: string }>`insert into users (id, email, name, password_hash, roles)
      values (${user.id}, ${user.email}, ${user.name}, ${user.passwordHash}, ${user.roles}) on conflict (email) do nothing returning id`.execute(
      tx,
    );
    return rows.length > 0 ? 'created' : 'email_taken';
  }

  async userByEmail(email: string): Promise<UserRow | undefined> {
    return (
      await sql<UserRow>`select id, email, name, password_hash, roles, address_enc from users where email = ${email}`.execute(this.#db)
    ).rows[0];
  }

  async userById(id: string): Promise<UserRow | undefined> {
    return (await sql<UserRow>`select id, email, name, password_hash, roles, address_enc from users where id = ${id}`.execute(this.#db))
      .rows[0];
  }

  async anyAdmin(): Promise<boolean> {
    return (await sql`select 1 from users where 'admin' = any(roles) limit 1`.execute(this.#db)).rows.length > 0;
  }

  async updateProfile(id: string, changes: { name?: string; addressEnc?: string | null }): Promise<UserRow | undefined> {
    const { rows } = await sql<UserRow>`update users set
        name = coalesce(${changes.name ?? null}, name),
        address_enc = case when ${changes.addressEnc !== undefined}::boolean then ${changes.addressEnc ?? null} else address_enc end,
        updated_at = now()
      where id = ${id} returning id, email, name, password_hash, roles, address_enc`.execute(this.#db);
    return rows[0];
  }

  async insertRefreshToken(tx: Kysely<unknown>, token: { hash: Buffer; familyId: string; userId: string; expiresAt: Date }): Promise<void> {
    await sql`insert into refresh_tokens (token_hash, family_id, user_id, expires_at)
      values (${token.hash}, ${token.familyId}, ${token.userId}, ${token.expiresAt})`.execute(tx);
  }

  /** Locks the row: two refreshes with one token cannot both succeed. */
  async refreshTokenForUpdate(tx: Kysely<unknown>, hash: Buffer): Promise<RefreshRow | undefined> {
    return (
      await sql<RefreshRow>`select family_id, user_id, expires_at, used_at, revoked_at from refresh_tokens where token_hash = ${hash} for update`.execute(
        tx,
      )
    ).rows[0];
  }

  async markRefreshTokenUsed(tx: Kysely<unknown>, hash: Buffer): Promise<void> {
    await sql`update refresh_tokens set used_at = now() where token_hash = ${hash}`.execute(tx);
  }

  async revokeFamily(tx: Kysely<unknown>, familyId: string): Promise<void> {
    await sql`update refresh_tokens set revoked_at = now() where family_id = ${familyId} and revoked_at is null`.execute(tx);
  }

  async failureState(key: string): Promise<FailureState | undefined> {
    const row = (
      await sql<{ failures: number; lockouts: number; locked_until: Date | null }>`
      select failures, lockouts, locked_until from login_failures where key = ${key}`.execute(this.#db)
    ).rows[0];
    return row ? { failures: row.failures, lockouts: row.lockouts, lockedUntil: row.locked_until } : undefined;
  }

  /** Counts one failure in a single statement, so concurrent failures each count; answers the state after it. */
  async countFailure(key: string): Promise<FailureState> {
    const row = (
      await sql<{ failures: number; lockouts: number; locked_until: Date | null }>`
      insert into login_failures (key, failures, updated_at) values (${key}, 1, now())
      on conflict (key) do update set failures = login_failures.failures + 1, updated_at = now()
      returning failures, lockouts, locked_until`.execute(this.#db)
    ).rows[0];
    if (!row) throw new Error('login_failures upsert returned no row');
    return { failures: row.failures, lockouts: row.lockouts, lockedUntil: row.locked_until };
  }

  async lock(key: string, lock: { lockouts: number; lockedUntil: Date }): Promise<void> {
    await sql`update login_failures set lockouts = greatest(lockouts, ${lock.lockouts}),
      locked_until = greatest(locked_until, ${lock.lockedUntil}), updated_at = now() where key = ${key}`.execute(this.#db);
  }

  /** A successful sign-in from an address halves its count, so a shared (NAT) address drains while guessing still accumulates. */
  async decayFailures(key: string): Promise<void> {
    await sql`update login_failures set failures = failures / 2, updated_at = now() where key = ${key}`.execute(this.#db);
  }

  /** A successful sign-in resets the count (lockouts are remembered, so the next lock is longer). */
  async resetFailures(key: string): Promise<void> {
    await sql`update login_failures set failures = 0, updated_at = now() where key = ${key}`.execute(this.#db);
  }
}
