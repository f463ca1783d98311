import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, launchPlatform } from '@mercato/cli';
import { request } from 'undici';
import { load } from '../lib/load.ts';
import { nginxAvailable, startNginx } from '../lib/nginx.ts';
import type { Scenario } from '../lib/scenario.ts';

/**
 * The same authenticated GET three ways in one run: direct to the owning service, through nginx
 * `proxy_pass` with keepalive, and through our gateway with token verification and rate limiting on.
 * The route is identity's `GET /api/me` (a signed-in shopper's profile), the one authenticated read
 * that exists before the catalog's routes do.
 */
export const scenario: Scenario = {
  name: 'gateway',
  description: 'an authenticated GET direct vs nginx proxy_pass vs our gateway (auth + rate limits on)',
  options: '[--duration 10] [--connections 50] [--profile DIR]',
  async run(args, progress) {
    const { values } = parseArgs({
      args,
      options: { duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '50' }, profile: { type: 'string' } },
    });
    const seconds = Number(values.duration);
    const connections = Number(values.connections);
    const dataDir = await mkdtemp(join(tmpdir(), 'mercato-bench-'));
    await chmod(dataDir, 0o755);
    progress('starting the platform (mercato up)');
    const platform = await launchPlatform({
      MERCATO_DATA_DIR: dataDir,
      GATEWAY_PORT: String(await freePort()),
      MERCATO_DB_PREFIX: `bench_${process.pid}`,
      DATABASE_URL: process.env.DATABASE_URL ?? '',
      // On, but far above what one machine can send: every request pays for counting.
      MERCATO_RATE_LIMIT_USER: '1000000',
      MERCATO_RATE_LIMIT_ANON: '1000000',
      ...(values.profile ? { MERCATO_CPU_PROFILE: `gateway:${values.profile}` } : {}),
    });
    let nginx: Awaited<ReturnType<typeof startNginx>> | undefined;
    try {
      const registered = await request(`${platform.gatewayUrl}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `bench-${process.pid}@shop.test`, password: 'benchmark password', name: 'Bench' }),
      });
      const { accessToken } = (await registered.body.json()) as { accessToken: string };
      const headers = { authorization: `Bearer ${accessToken}` };
      const identity = platform.table.get('identity');
      if (!identity) throw new Error('no identity in the status table');
      const targets: { target: string; url: string }[] = [{ target: 'direct to identity', url: `${identity.url}/api/me` }];
      if (nginxAvailable()) {
        nginx = await startNginx(identity.url, await freePort());
        targets.push({ target: 'nginx proxy_pass', url: `${nginx.url}/api/me` });
      } else {
        progress('nginx row skipped: nginx is not installed (Debian: apt-get install nginx-light)');
      }
      targets.push({ target: 'mercato gateway', url: `${platform.gatewayUrl}/api/me` });
      const rows: Record<string, string | number>[] = [];
      for (const { target, url } of targets) {
        progress(`warming up ${target}`);
        await load(url, { seconds: 2, connections, headers });
        progress(`measuring ${target} for ${seconds} s with ${connections} connections`);
        const f = await load(url, { seconds, connections, headers });
        rows.push({ target, 'req/s': f.requestsPerSecond, 'p50 ms': f.p50Ms, 'p99 ms': f.p99Ms, errors: f.errors });
      }
      const rate = (name: string) => Number(rows.find((r) => r.target === name)?.['req/s'] ?? Number.NaN);
      const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
      return {
        rows,
        summary: {
          'gateway/direct': ratio(rate('mercato gateway'), rate('direct to identity')),
          'nginx/direct': ratio(rate('nginx proxy_pass'), rate('direct to identity')),
          'gateway/nginx': ratio(rate('mercato gateway'), rate('nginx proxy_pass')),
        },
      };
    } finally {
      await nginx?.stop();
      progress('stopping the platform');
      await platform.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  },
};
