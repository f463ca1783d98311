import type { Logger } from 'pino';
import type { EventBus } from './event-bus.ts';
import { NatsBus } from './nats-bus.ts';
import { PgBossBus } from './pgboss-bus.ts';

/** NATS JetStream when `NATS_URL` is set, else pg-boss on `BUS_DATABASE_URL`, else no bus. */
export async function connectBus(
  config: { NATS_URL?: string; BUS_DATABASE_URL?: string; MERCATO_BUS_NAMESPACE: string },
  log: Logger,
  name: string,
): Promise<EventBus | undefined> {
  if (config.NATS_URL) return NatsBus.connect(config.NATS_URL, log, { name, namespace: config.MERCATO_BUS_NAMESPACE });
  if (config.BUS_DATABASE_URL) return PgBossBus.connect(config.BUS_DATABASE_URL, log);
  return undefined;
}
