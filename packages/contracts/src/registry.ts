import { type Static, Type } from 'typebox';

/** The name of a service: lowercase letters, digits and dashes. */
export const ServiceName = Type.String({ pattern: '^[a-z][a-z0-9-]{0,62}$' });

export const InstanceRegistration = Type.Object(
  {
    service: ServiceName,
    url: Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048 }),
    meta: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 512 }), { maxProperties: 32 })),
  },
  { additionalProperties: false },
);
export type InstanceRegistration = Static<typeof InstanceRegistration>;

export const RegistrationReceipt = Type.Object({ id: Type.String(), ttlSeconds: Type.Number() });
export type RegistrationReceipt = Static<typeof RegistrationReceipt>;

export const Instance = Type.Object({
  id: Type.String(),
  service: ServiceName,
  url: Type.String(),
  meta: Type.Record(Type.String(), Type.String()),
  status: Type.Union([Type.Literal('up'), Type.Literal('draining')]),
  startedAt: Type.String({ format: 'date-time' }),
  lastHeartbeatAt: Type.String({ format: 'date-time' }),
});
export type Instance = Static<typeof Instance>;

export const InstanceList = Type.Object({ items: Type.Array(Instance), nextCursor: Type.Null() });
export type InstanceList = Static<typeof InstanceList>;

/**
 * What the registry's watch stream (SSE) sends: one `snapshot` on connect,
 * then a `registered`, `deregistered` or `evicted` event per change.
 */
export const RegistryWatchEventNames = ['snapshot', 'registered', 'deregistered', 'evicted'] as const;
export type RegistryWatchEvent =
  | { event: 'snapshot'; data: { instances: Instance[]; ttlSeconds: number } }
  | { event: 'registered' | 'deregistered' | 'evicted'; data: Instance };
