import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, launchPlatform, type PlatformProcess } from '@mercato/cli';
import { load } from '../lib/load.ts';
import type { Scenario } from '../lib/scenario.ts';

const WARM_UP_SECONDS = 2;

function positiveInteger(option: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`--${option} must be a whole number above 0 (got ${JSON.stringify(value)})`);
  return n;
}

/**
 * The cost of the gateway hop: the catalog's `/health/live` called directly, then through the
 * gateway's `/health/services/catalog` (which proxies to it), in one run of the whole platform.
 */
export const scenario: Scenario = {
  name: 'health',
  description: "a service's /health/live direct vs through the gateway",
  options: '[--duration 10] [--connections 50]',
  async run(args, progress) {
    const { values } = parseArgs({
      args,
      options: {
        duration: { type: 'string', default: '10' },
        connections: { type: 'string', default: '50' },
      },
    });
    const seconds = positiveInteger('duration', values.duration);
    const connections = positiveInteger('connections', values.connections);
    const dataDir = await mkdtemp(join(tmpdir(), 'mercato-bench-'));
    let platform: PlatformProcess | undefined;
    try {
      // The embedded PostgreSQL runs as user postgres, which must traverse the folder.
      await chmod(dataDir, 0o755);
      progress('starting the platform (mercato up)…');
      platform = await launchPlatform({
        MERCATO_DATA_DIR: dataDir,
        GATEWAY_PORT: String(await freePort()),
        MERCATO_DB_PREFIX: `bench_${process.pid}`,
        DATABASE_URL: process.env.DATABASE_URL ?? '',
        LOG_LEVEL: 'warn',
      });
      progress(`platform ready in ${platform.readySeconds} s at ${platform.gatewayUrl}`);
      const catalog = platform.table.get('catalog');
      if (!catalog) throw new Error('no catalog in the status table');
      const targets = [
        { target: 'direct: catalog /health/live', url: `${catalog.url}/health/live` },
        { target: 'gateway: /health/services/catalog', url: `${platform.gatewayUrl}/health/services/catalog` },
      ];
      const rows = [];
      for (const { target, url } of targets) {
        progress(`warming up ${target} for ${WARM_UP_SECONDS} s…`);
        await load(url, { seconds: WARM_UP_SECONDS, connections });
        progress(`measuring ${target} for ${seconds} s with ${connections} connections…`);
        const figures = await load(url, { seconds, connections });
        rows.push({ target, 'req/s': figures.requestsPerSecond, 'p50 ms': figures.p50Ms, 'p99 ms': figures.p99Ms, errors: figures.errors });
      }
      const [direct, gateway] = rows;
      return {
        rows,
        summary: {
          'gateway/direct req/s': Number(((gateway?.['req/s'] ?? 0) / (direct?.['req/s'] || 1)).toFixed(2)),
          'gateway/direct p99': Number(((gateway?.['p99 ms'] ?? 0) / (direct?.['p99 ms'] || 1)).toFixed(2)),
          'start to ready s': platform.readySeconds,
          'seconds per target': seconds,
          connections,
        },
      };
    } finally {
      if (platform) {
        progress('stopping the platform…');
        await platform.stop();
      }
      await rm(dataDir, { recursive: true, force: true });
    }
  },
};
