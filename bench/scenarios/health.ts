import { parseArgs } from 'node:util';
import { measureTargets, positiveInteger, ratio } from '../lib/measure-targets.ts';
import { withPlatform } from '../lib/platform.ts';
import type { Scenario } from '../lib/scenario.ts';

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
      options: { duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '50' } },
    });
    const seconds = positiveInteger('duration', values.duration);
    const connections = positiveInteger('connections', values.connections);
    return withPlatform({}, progress, async (platform) => {
      const catalog = platform.table.get('catalog');
      if (!catalog) throw new Error('no catalog in the status table');
      const rows = await measureTargets(
        [
          { target: 'direct: catalog /health/live', url: `${catalog.url}/health/live` },
          { target: 'gateway: /health/services/catalog', url: `${platform.gatewayUrl}/health/services/catalog` },
        ],
        { seconds, connections, progress },
      );
      const [direct, gateway] = rows.map((r) => ({ rate: Number(r['req/s']), p99: Number(r['p99 ms']) }));
      return {
        rows,
        summary: {
          'gateway/direct req/s': ratio(gateway?.rate ?? 0, direct?.rate ?? 1),
          'gateway/direct p99': ratio(gateway?.p99 ?? 0, direct?.p99 ?? 1),
          'start to ready s': platform.readySeconds,
          'seconds per target': seconds,
          connections,
        },
      };
    });
  },
};
