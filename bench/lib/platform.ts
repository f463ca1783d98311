import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropServiceDatabases, freePort, launchPlatform, type PlatformProcess } from '@mercato/cli';
import { SERVICE_NAMES } from '@mercato/kit';

/**
 * Runs `work` against a whole platform (`mercato up` as a real process) on a free port and a
 * temporary data dir, embedded PostgreSQL unless DATABASE_URL is set; always stops it and cleans up.
 */
export async function withPlatform<T>(
  env: NodeJS.ProcessEnv,
  progress: (line: string) => void,
  work: (platform: PlatformProcess, where: { dataDir: string; prefix: string }) => Promise<T>,
  /** `mercato up`'s own arguments (`--autoscale`, `--scale catalog=2`). */
  args: string[] = [],
): Promise<T> {
  const dataDir = await mkdtemp(join(tmpdir(), 'mercato-bench-'));
  const prefix = `bench_${process.pid}`;
  let platform: PlatformProcess | undefined;
  try {
    // The embedded PostgreSQL runs as user postgres, which must traverse the folder.
    await chmod(dataDir, 0o755);
    progress('starting the platform (mercato up)…');
    platform = await launchPlatform(
      {
        MERCATO_DATA_DIR: dataDir,
        GATEWAY_PORT: String(await freePort()),
        MERCATO_DB_PREFIX: prefix,
        DATABASE_URL: process.env.DATABASE_URL ?? '',
        LOG_LEVEL: 'warn',
        ...env,
      },
      args,
    );
    progress(`platform ready in ${platform.readySeconds} s at ${platform.gatewayUrl}`);
    return await work(platform, { dataDir, prefix });
  } finally {
    if (platform) {
      progress('stopping the platform');
      await platform.stop();
    }
    // On an external PostgreSQL the run's databases would otherwise stay behind.
    if (process.env.DATABASE_URL) await dropServiceDatabases(process.env.DATABASE_URL, prefix, [...SERVICE_NAMES, 'bus']);
    await rm(dataDir, { recursive: true, force: true });
  }
}
