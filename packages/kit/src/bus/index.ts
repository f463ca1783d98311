export * from './connect-bus.ts';
export * from './consumer.ts';
export * from './event-bus.ts';
// The adapters' code loads with `connectBus`, only for the bus a process uses: here only their types.
export type { NatsBus } from './nats-bus.ts';
export * from './nats-stream.ts';
export * from './outbox.ts';
export * from './outbox-relay.ts';
export type { PgBossBus } from './pgboss-bus.ts';
export * from './subscription.ts';
export * from './trace-context.ts';
export * from './uuid-v7.ts';
