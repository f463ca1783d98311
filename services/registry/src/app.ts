import { ConfigError, defineService, PeriodicTask, ServiceClients } from '@mercato/kit';
import { Type } from 'typebox';
import { InstanceTable } from './domain/instance-table.ts';
import { instancesRoutes } from './routes/instances.routes.ts';
import { WatchHub } from './watch-hub.ts';
import { RegistryWriters } from './writers.ts';

const RegistryConfig = Type.Object({
  /** How long an instance lives without a heartbeat. Heartbeats come every MERCATO_HEARTBEAT_MS (2 s). */
  REGISTRY_TTL_SECONDS: Type.Number({ minimum: 0.1, maximum: 3600, default: 6 }),
  /** Client id → SHA-256 (hex) of its secret, as identity's IDENTITY_SERVICE_CLIENTS; required unless MERCATO_AUTH=off. */
  REGISTRY_SERVICE_CLIENTS: Type.Optional(Type.String()),
});

/** The registry: live service instances in memory, with TTL eviction and a watch stream. */
export function registryDefinition() {
  return defineService({
    name: 'registry',
    traced: false,
    config: RegistryConfig,
    register: false,
    auth: 'none',
    setup({ config, log }) {
      const table = new InstanceTable(config.REGISTRY_TTL_SECONDS * 1000);
      const hub = new WatchHub();
      const evictions = new PeriodicTask(async () => {
        for (const change of table.evictExpired(Date.now())) {
          log.warn({ service: change.instance.service, id: change.instance.id }, 'instance evicted: missed its heartbeats');
          hub.publish(change);
        }
      });
      return { table, hub, evictions, writers: new RegistryWriters(writerClients(config.MERCATO_AUTH, config.REGISTRY_SERVICE_CLIENTS)) };
    },
    routes(app, { table, hub, writers }) {
      instancesRoutes(app, table, hub, writers);
      // Long-lived watch streams would hold app.close() open until the drain bound.
      app.addHook('preClose', async () => hub.close());
    },
    async beforeListen({ evictions }, { config }) {
      evictions.start(Math.max(50, (config.REGISTRY_TTL_SECONDS * 1000) / 4));
    },
    async onStop({ evictions, hub }) {
      await evictions.stop();
      hub.close();
    },
  });
}

/** Anyone who can reach an open registry could register a rogue identity: credentials unless auth is off. */
function writerClients(auth: 'required' | 'off', json: string | undefined): ServiceClients | undefined {
  if (auth === 'off') return undefined;
  const clients = new ServiceClients(json, 'REGISTRY_SERVICE_CLIENTS');
  if (clients.size === 0) {
    throw new ConfigError('REGISTRY_SERVICE_CLIENTS', 'is required (client id → SHA-256 of its secret), unless MERCATO_AUTH=off');
  }
  return clients;
}
