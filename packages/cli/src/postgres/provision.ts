import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Databases and roles are named `<prefix>_<service>`; tests use their own prefix. */
export function databaseName(prefix: string, service: string): string {
  return `${prefix}_${service}`.replace(/-/g, '_');
}

export interface ProvisionOptions {
  /**
   * The password of the role `name`, kept by the caller: for platforms whose services outlive one
   * provisioning run (compose runs its one-shot `setup-databases` again on every `docker compose up`
   * while the services it provisioned keep running), a renewed password would lock out their next
   * connections. Without it, a fresh password on every run (what `mercato up` wants: it restarts every child).
   */
  passwordFor?: (name: string) => string;
}

/**
 * Gives each service its own database and its own login role, and lets no other role connect to it,
 * so a service cannot read another service's tables even by mistake. Idempotent; the role's password
 * is renewed on every start unless `options.passwordFor` gives it. Returns each service's connection URL.
 */
export async function provisionServiceDatabases(
  adminUrl: string,
  prefix: string,
  services: string[],
  options: ProvisionOptions = {},
): Promise<Map<string, string>> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  const urls = new Map<string, string>();
  try {
    for (const service of services) {
      const name = databaseName(prefix, service);
      const password = options.passwordFor?.(name) ?? randomBytes(18).toString('base64url');
      const role = client.escapeIdentifier(name);
      const literal = client.escapeLiteral(password);
      const exists = await client.query('select 1 from pg_roles where rolname = $1', [name]);
      await client.query(`${exists.rowCount ? 'alter' : 'create'} role ${role} with login password ${literal}`);
      const db = await client.query('select 1 from pg_database where datname = $1', [name]);
      if (!db.rowCount) await client.query(`create database ${role} owner ${role}`);
      await client.query(`revoke all on database ${role} from public`);
      await client.query(`grant connect on database ${role} to ${role}`);
      const url = new URL(adminUrl);
      url.username = encodeURIComponent(name);
      url.password = encodeURIComponent(password);
      url.pathname = `/${name}`;
      urls.set(service, url.toString());
    }
  } finally {
    await client.end();
  }
  return urls;
}

/** Drops what provisionServiceDatabases made (tests clean up after themselves). */
export async function dropServiceDatabases(adminUrl: string, prefix: string, services: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (const service of services) {
      const name = client.escapeIdentifier(databaseName(prefix, service));
      await client.query(`drop database if exists ${name} with (force)`);
      await client.query(`drop role if exists ${name}`);
    }
  } finally {
    await client.end();
  }
}
