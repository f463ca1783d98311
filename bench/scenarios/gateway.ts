import { parseArgs } from 'node:util';
import { freePort } from '@mercato/cli';
import { request } from 'undici';
import { measureTargets, positiveInteger, ratio } from '../lib/measure-targets.ts';
import { nginxAvailable, startNginx } from '../lib/nginx.ts';
import { withPlatform } from '../lib/platform.ts';
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
    const seconds = positiveInteger('duration', values.duration);
    const connections = positiveInteger('connections', values.connections);
    const env = {
      // On, but far above what one machine can send: every request pays for counting.
      MERCATO_RATE_LIMIT_USER: '1000000',
      MERCATO_RATE_LIMIT_ANON: '1000000',
      ...(values.profile ? { MERCATO_CPU_PROFILE: `gateway:${values.profile}` } : {}),
    };
    return withPlatform(env, progress, async (platform) => {
      const registered = await request(`${platform.gatewayUrl}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `bench-${process.pid}@shop.test`, password: 'benchmark password', name: 'Bench' }),
      });
      const { accessToken } = (await registered.body.json()) as { accessToken: string };
      const identity = platform.table.get('identity');
      if (!identity) throw new Error('no identity in the status table');
      const targets = [{ target: 'direct to identity', url: `${identity.url}/api/me` }];
      const nginx = nginxAvailable() ? await startNginx(identity.url, await freePort()) : undefined;
      if (nginx) targets.push({ target: 'nginx proxy_pass', url: `${nginx.url}/api/me` });
      else progress('nginx row skipped: nginx is not installed (Debian: apt-get install nginx-light)');
      targets.push({ target: 'mercato gateway', url: `${platform.gatewayUrl}/api/me` });
      try {
        const rows = await measureTargets(targets, { seconds, connections, headers: { authorization: `Bearer ${accessToken}` }, progress });
        const rate = (name: string) => Number(rows.find((r) => r.target === name)?.['req/s'] ?? Number.NaN);
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
      }
    });
  },
};
