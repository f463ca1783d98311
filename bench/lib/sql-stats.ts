import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';

/** Per database of the run (`orders`, `bus`, …): counters that only grow. */
export interface SqlCounters {
  /** `calls` of pg_stat_statements (BEGIN and COMMIT count too); undefined where the extension is not loaded. */
  statements: Map<string, number> | undefined;
  /**
   * xact_commit + xact_rollback of pg_stat_database (each backend flushes them about once a second).
   * More than the statements where a backend LISTENs: reading each NOTIFY it is woken for is a transaction.
   */
  transactions: Map<string, number>;
}

/** A superuser URL of the run's PostgreSQL: DATABASE_URL, else the embedded cluster's, from `<data dir>/postgres.json`. */
export async function adminUrlOf(dataDir: string): Promise<{ url: string; embedded: boolean }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, embedded: false };
  const { port, password } = JSON.parse(await readFile(join(dataDir, 'postgres.json'), 'utf8')) as { port: number; password: string };
  return { url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`, embedded: true };
}

/** The same server and credentials, another database. */
export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: 'mercato-bench' });
  // The platform stops PostgreSQL under us if the bench fails: a lost connection must not crash the report.
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** Reads the counters of the run's databases `<prefix>_*` over one admin connection. */
export class SqlStats {
  readonly #client: pg.Client;
  readonly #prefix: string;
  #statements: boolean;

  private constructor(client: pg.Client, prefix: string, statements: boolean) {
    this.#client = client;
    this.#prefix = prefix;
    this.#statements = statements;
  }

  /**
   * The embedded cluster was started with pg_stat_statements preloaded (MERCATO_PG_STAT_STATEMENTS=1)
   * and gets the extension; an external server is used as it is: statements are n/a unless it has it.
   */
  static async open(admin: { url: string; embedded: boolean }, prefix: string): Promise<SqlStats> {
    const client = await connect(admin.url);
    let statements = false;
    try {
      if (admin.embedded) await client.query('create extension if not exists pg_stat_statements');
      await client.query('select 1 from pg_stat_statements limit 1');
      statements = true;
    } catch {
      // not installed or not preloaded
    }
    return new SqlStats(client, prefix, statements);
  }

  async snapshot(): Promise<SqlCounters> {
    const pattern = `${this.#prefix.replaceAll('_', '\\_')}\\_%`;
    const byDatabase = (rows: { datname: string; n: string }[]) =>
      new Map(rows.map((row) => [row.datname.slice(this.#prefix.length + 1), Number(row.n)]));
    const transactions = await this.#client.query<{ datname: string; n: string }>(
      'select datname, xact_commit + xact_rollback as n from pg_stat_database where datname like $1',
      [pattern],
    );
    let statements: Map<string, number> | undefined;
    if (this.#statements) {
      try {
        const rows = await this.#client.query<{ datname: string; n: string }>(
          'select d.datname, sum(s.calls) as n from pg_stat_statements s join pg_database d on d.oid = s.dbid where d.datname like $1 group by d.datname',
          [pattern],
        );
        statements = byDatabase(rows.rows);
      } catch {
        this.#statements = false;
      }
    }
    return { statements, transactions: byDatabase(transactions.rows) };
  }

  /** Calls per statement text (normalised by pg_stat_statements), keyed by database and query id; undefined without the extension. */
  async statementCalls(): Promise<Map<string, { database: string; query: string; calls: number }> | undefined> {
    if (!this.#statements) return undefined;
    const pattern = `${this.#prefix.replaceAll('_', '\\_')}\\_%`;
    const { rows } = await this.#client.query<{ datname: string; queryid: string; query: string; calls: string }>(
      'select d.datname, s.queryid::text, s.query, s.calls from pg_stat_statements s join pg_database d on d.oid = s.dbid where d.datname like $1',
      [pattern],
    );
    return new Map(
      rows.map((row) => [
        `${row.datname}/${row.queryid}`,
        { database: row.datname.slice(this.#prefix.length + 1), query: row.query, calls: Number(row.calls) },
      ]),
    );
  }

  async close(): Promise<void> {
    await this.#client.end().catch(() => undefined);
  }
}
