import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { type EmbeddedCluster, startEmbeddedPostgres } from '../postgres/embedded.ts';
import { databaseName } from '../postgres/provision.ts';
import { UserError } from '../user-error.ts';

/** Where `mercato seed` writes, and how it found it. */
export interface SeedTargets {
  catalogDatabaseUrl: string;
  inventoryDatabaseUrl: string;
  /** For the progress line, without passwords. */
  description: string;
  /** Stops the embedded PostgreSQL when this command had to start it. */
  release(): Promise<void>;
}

const SERVICES = ['catalog', 'inventory'] as const;

/**
 * Finds the catalog's and inventory's databases the way `mercato up` would: `CATALOG_DATABASE_URL` and
 * `INVENTORY_DATABASE_URL` as they are; else the `<prefix>_catalog` / `<prefix>_inventory` databases on
 * `DATABASE_URL` or on the embedded PostgreSQL of `MERCATO_DATA_DIR` (started for the seed when it is
 * not running). Through an admin URL the seed acts as the service's own role (`SET ROLE`), so whatever it
 * creates (migrations, the seed marker) belongs to the service, as if the service had made it.
 */
export async function seedTargets(env: NodeJS.ProcessEnv, log: (line: string) => void = () => {}): Promise<SeedTargets> {
  const given = { catalog: env.CATALOG_DATABASE_URL, inventory: env.INVENTORY_DATABASE_URL };
  if (given.catalog && given.inventory) {
    return {
      catalogDatabaseUrl: given.catalog,
      inventoryDatabaseUrl: given.inventory,
      description: 'CATALOG_DATABASE_URL and INVENTORY_DATABASE_URL',
      release: async () => {},
    };
  }
  const prefix = env.MERCATO_DB_PREFIX || 'mercato';
  let adminUrl = env.DATABASE_URL || undefined;
  let cluster: EmbeddedCluster | undefined;
  let where = 'DATABASE_URL';
  if (!adminUrl) {
    const dataDir = resolve(env.MERCATO_DATA_DIR || '.mercato');
    adminUrl = await embeddedAdminUrl(dataDir);
    where = `the embedded PostgreSQL in ${dataDir}`;
    if (!(await reachable(adminUrl))) {
      log(`PostgreSQL in ${dataDir} is not running; starting it for the seed`);
      cluster = await startEmbeddedPostgres(dataDir, log);
      adminUrl = cluster.adminUrl;
    }
  }
  try {
    const urls: Record<string, string> = {};
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect().catch((error: Error) => {
      throw new UserError(`Cannot reach the PostgreSQL at ${where}: ${error.message}`);
    });
    try {
      for (const service of SERVICES) {
        const own = given[service];
        if (own) {
          urls[service] = own;
          continue;
        }
        const name = databaseName(prefix, service);
        const { rows } = await client.query<{ database: boolean; role: boolean }>(
          `select exists (select 1 from pg_database where datname = $1) as database,
                  case when exists (select 1 from pg_roles where rolname = $1) then pg_has_role(current_user, $1, 'MEMBER') else false end as role`,
          [name],
        );
        if (!rows[0]?.database) {
          throw new UserError(
            `There is no database ${name} on ${where}: start Mercato once ('npm start') so it creates its databases, ` +
              `or set ${service.toUpperCase()}_DATABASE_URL (and MERCATO_DB_PREFIX if it uses another prefix).`,
          );
        }
        const url = new URL(adminUrl);
        url.pathname = `/${name}`;
        if (rows[0].role) url.searchParams.set('options', `-c role=${name}`);
        urls[service] = url.toString();
      }
    } finally {
      await client.end();
    }
    return {
      catalogDatabaseUrl: urls.catalog as string,
      inventoryDatabaseUrl: urls.inventory as string,
      description: `${databaseName(prefix, 'catalog')} and ${databaseName(prefix, 'inventory')} on ${where}`,
      release: async () => {
        await cluster?.stop();
      },
    };
  } catch (error) {
    await cluster?.stop();
    throw error;
  }
}

async function embeddedAdminUrl(dataDir: string): Promise<string> {
  const settings = await readFile(join(dataDir, 'postgres.json'), 'utf8')
    .then((text) => JSON.parse(text) as { port: number; password: string })
    .catch(() => undefined);
  if (!settings) {
    throw new UserError(
      `No Mercato data in ${dataDir}: start it once with 'npm start' (or set MERCATO_DATA_DIR), ` +
        'or point the seed at your databases with DATABASE_URL or CATALOG_DATABASE_URL and INVENTORY_DATABASE_URL.',
    );
  }
  return `postgres://postgres:${encodeURIComponent(settings.password)}@127.0.0.1:${settings.port}/postgres`;
}

/** Whether a server answers there. Only a refused connection means "not running"; anything else is reported. */
async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ECONNREFUSED') return false;
    throw new UserError(`The embedded PostgreSQL does not accept the seed's connection: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
