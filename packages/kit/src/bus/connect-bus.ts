import type { Logger } from 'pino';
import type { EventBus } from './event-bus.ts';

/**
 * NATS JetStream when `NATS_URL` is set, else pg-boss on `BUS_DATABASE_URL`, else no bus.
 * `consumes`: the service subscribes to events (else it only publishes: `PgBossBus.connect`).
 *
 * Each adapter is imported only once it is selected: a process never loads the client it does not
 * use (the NATS client is 64 modules, pg-boss with cron-parser, luxon and OpenTelemetry's API about
 * 200, 1.8 MB of source; the registry has no bus and loads neither, the gateway only the one it publishes views on).
 */
export async function connectBus(
  config: { NATS_URL?: string; BUS_DATABASE_URL?: string; MERCATO_BUS_NAMESPACE: string },
  log: Logger,
  name: string,
  options: { consumes: boolean },
): Promise<EventBus | undefined> {
  if (config.NATS_URL) {
    const { NatsBus } = await import('./nats-bus.ts');
    return NatsBus.connect(config.NATS_URL, log, { name, namespace: config.MERCATO_BUS_NAMESPACE });
  }
  if (config.BUS_DATABASE_URL) {
    const { PgBossBus } = await import('./pgboss-bus.ts');
    return PgBossBus.connect(config.BUS_DATABASE_URL, log, { consumes: options.consumes });
  }
  return undefined;
}
