import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropServiceDatabases, freePort, launchPlatform, type PlatformProcess } from '@mercato/cli';
import { SERVICE_NAMES } from '@mercato/kit';

export const ADMIN = { email: 'admin@web.test', password: 'admin password 123' };

export interface WebPlatform {
  base: string;
  /** Process name (`catalog`, `catalog#2`) → pid and URL, from the status table `mercato up` printed. */
  table: PlatformProcess['table'];
  stop(): Promise<void>;
}

/**
 * The whole platform as `npm start` runs it (the web app built by `mercato up` when stale), with the
 * demo store, on the test's PostgreSQL (DATABASE_URL) or an embedded one of its own.
 */
export async function startPlatform(name: string): Promise<WebPlatform> {
  const external = process.env.DATABASE_URL;
  const prefix = `t_web_${name}_${process.pid}`;
  const dataDir = await mkdtemp(join(tmpdir(), `mercato-web-${name}-`));
  await chmod(dataDir, 0o755);
  let platform: PlatformProcess;
  try {
    platform = await launchPlatform(
      {
        MERCATO_DATA_DIR: dataDir,
        GATEWAY_PORT: String(await freePort()),
        MERCATO_DB_PREFIX: prefix,
        DATABASE_URL: external ?? '',
        MERCATO_SEED: 'demo',
        MERCATO_ADMIN_EMAIL: ADMIN.email,
        MERCATO_ADMIN_PASSWORD: ADMIN.password,
        MERCATO_RATE_LIMIT_ANON: '0',
        MERCATO_RATE_LIMIT_USER: '0',
        MERCATO_RATE_LIMIT_AUTH: '0',
        MERCATO_SANDBOX_DELAY_MS: '20',
      },
      [],
      180_000,
    );
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  // `mercato up` keeps running with an empty shop when seeding fails (e.g. PostgreSQL out of connections): say so here, not as a missing product later.
  if (!/seeded a demo store/.test(platform.output())) {
    await platform.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw new Error(`the platform started without its demo store:\n${platform.output()}`);
  }
  return {
    base: platform.gatewayUrl,
    table: platform.table,
    async stop() {
      await platform.stop();
      if (external) await dropServiceDatabases(external, prefix, [...SERVICE_NAMES, 'bus']).catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
