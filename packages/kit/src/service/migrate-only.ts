import { type TObject, type TProperties, Type } from 'typebox';
import { loadConfig } from '../config.ts';
import { connectDatabase, type Kysely, migrate } from '../database.ts';
import { createLogger } from '../logger.ts';
import { loadServiceConfig } from './service-config.ts';

const MigrateOnlyConfig = Type.Object({
  /** `1`/`true`: apply the migrations, then exit 0 without setting anything else up (deploy/k8s's init container). */
  MERCATO_MIGRATE_ONLY: Type.Boolean({ default: false }),
});

/** True when the process is asked only to migrate; a value other than 0/1/true/false is a ConfigError naming the variable. */
export function migrateOnlyRequested(env: NodeJS.ProcessEnv): boolean {
  return loadConfig(MigrateOnlyConfig, env).MERCATO_MIGRATE_ONLY;
}

/** A service's schema: the kit's own tables (outbox, inbox, dead letters), then the service's. Returns what it applied. */
export async function migrateServiceSchema(db: Kysely<unknown>, migrations: URL): Promise<string[]> {
  return [
    ...(await migrate(db, new URL('../bus/migrations/', import.meta.url), { table: 'mercato_kit_migration' })),
    ...(await migrate(db, migrations)),
  ];
}

/**
 * `MERCATO_MIGRATE_ONLY=1`: the service's schema brought up to date and nothing else — no setup, no
 * bus, no listener, no registration. A Kubernetes init container runs it with the new version's image
 * before that pod's process starts (deploy/k8s), so a rollout's migrations are in place before any of
 * its pods serves, and `start()` then finds nothing left to apply (both run `migrateServiceSchema`). Pods
 * starting together are safe: Kysely's migrator holds an advisory lock for the whole run (`migrate()` in
 * database.ts), so each migration is applied once.
 */
export async function migrateOnly<P extends TProperties>(
  definition: { name: string; config?: TObject<P>; port?: { variable: string; default: number }; migrations?: URL },
  env: NodeJS.ProcessEnv,
): Promise<string[]> {
  const { config, databaseUrl } = loadServiceConfig(definition, env);
  const log = createLogger({
    service: definition.name,
    instance: config.MERCATO_INSTANCE_ID ?? `${definition.name}-migrate`,
    level: config.LOG_LEVEL,
  });
  if (!databaseUrl || !definition.migrations) {
    log.info('no database of its own: nothing to migrate');
    return [];
  }
  // One connection: the migrator runs everything in one transaction on it.
  const database = connectDatabase(databaseUrl, { applicationName: `${definition.name}-migrate`, max: 1 });
  try {
    const applied = await migrateServiceSchema(database.db, definition.migrations);
    log.info(
      { migrations: applied },
      applied.length > 0 ? 'applied migrations; exiting (MERCATO_MIGRATE_ONLY)' : 'schema up to date; exiting (MERCATO_MIGRATE_ONLY)',
    );
    return applied;
  } finally {
    await database.close();
  }
}
