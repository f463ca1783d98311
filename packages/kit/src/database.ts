import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type IsolationLevel, Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration';
import pg from 'pg';
import { withAfterCommit } from './database/after-commit.ts';

export type { Kysely, Transaction };

/**
 * The schema every Kysely here is typed with: none. Stores write their SQL with the `sql` tag and
 * declare each query's row type beside it (ADR 0019); no service declares its tables. `unknown`
 * leaves the query builder no tables to offer, so a builder query fails to compile rather than
 * passing untyped.
 */
export type AnySchema = unknown;
export { sql };

export interface Database<DB> {
  db: Kysely<DB>;
  pool: pg.Pool;
  /** True when a trivial query answers: what `/health/ready` checks. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export function connectDatabase<DB>(connectionString: string, options: { max?: number; applicationName?: string } = {}): Database<DB> {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName,
    // A database that does not answer should fail a request, not hang it.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection (Postgres restart) must not crash the process.
  pool.on('error', () => {});
  // `afterCommit` (database/after-commit.ts) works on every transaction of this Kysely.
  const db = new Kysely<DB>({ dialect: withAfterCommit(new PostgresDialect({ pool })) });
  return {
    db,
    pool,
    async ping() {
      try {
        await sql`select 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await db.destroy();
    },
  };
}

/** Numbered `NNNN_name.sql` files in a folder, applied in name order. */
class SqlFileMigrationProvider implements MigrationProvider {
  readonly #folder: string;
  constructor(folder: string) {
    this.#folder = folder;
  }
  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await readdir(this.#folder)).filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f)).sort();
    const migrations: Record<string, Migration> = {};
    for (const file of files) {
      const text = await readFile(join(this.#folder, file), 'utf8');
      migrations[file.replace(/\.sql$/, '')] = { up: async (db) => void (await sql.raw(text).execute(db)) };
    }
    return migrations;
  }
}

/**
 * Applies pending migrations. Kysely's migrator holds a Postgres advisory lock for the whole run and
 * applies everything in one transaction, so two instances starting at once apply each migration once.
 */
export async function migrate(db: Kysely<unknown>, folder: string | URL, options: { table?: string } = {}): Promise<string[]> {
  const path = folder instanceof URL ? fileURLToPath(folder) : folder;
  const table = options.table ?? 'kysely_migration';
  const migrator = new Migrator({
    db,
    provider: new SqlFileMigrationProvider(path),
    migrationTableName: table,
    migrationLockTableName: `${table}_lock`,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Runs `work` in one transaction; it commits when `work` resolves and rolls back when it throws. */
export function transaction<DB, T>(db: Kysely<DB>, work: (tx: Transaction<DB>) => Promise<T>, isolation?: IsolationLevel): Promise<T> {
  const builder = db.transaction();
  return (isolation ? builder.setIsolationLevel(isolation) : builder).execute(work);
}
