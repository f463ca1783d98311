import { randomUUID } from 'node:crypto';
import type { Instance, InstanceRegistration } from '@mercato/contracts';

export type InstanceChange = { kind: 'registered' | 'deregistered' | 'evicted'; instance: Instance };

/**
 * The live instances, in memory. An instance stays while it heartbeats; one that misses the TTL
 * is evicted by `evictExpired`. Pure: the clock is passed in, so tests need no sleeping.
 */
export class InstanceTable {
  readonly ttlMs: number;
  readonly #instances = new Map<string, Instance & { expiresAt: number }>();

  constructor(ttlMs: number) {
    this.ttlMs = ttlMs;
  }

  register(registration: InstanceRegistration, now: number): InstanceChange {
    const at = new Date(now).toISOString();
    const instance: Instance = {
      id: randomUUID(),
      service: registration.service,
      url: registration.url,
      meta: registration.meta ?? {},
      status: 'up',
      startedAt: at,
      lastHeartbeatAt: at,
    };
    this.#instances.set(instance.id, { ...instance, expiresAt: now + this.ttlMs });
    return { kind: 'registered', instance };
  }

  /** False when the id is unknown (never registered, deregistered or evicted). */
  heartbeat(id: string, now: number): boolean {
    const entry = this.#instances.get(id);
    if (!entry) return false;
    entry.lastHeartbeatAt = new Date(now).toISOString();
    entry.expiresAt = now + this.ttlMs;
    return true;
  }

  deregister(id: string): InstanceChange | undefined {
    const entry = this.#instances.get(id);
    if (!entry) return undefined;
    this.#instances.delete(id);
    return { kind: 'deregistered', instance: publicView(entry) };
  }

  evictExpired(now: number): InstanceChange[] {
    const evicted: InstanceChange[] = [];
    for (const [id, entry] of this.#instances) {
      if (entry.expiresAt <= now) {
        this.#instances.delete(id);
        evicted.push({ kind: 'evicted', instance: publicView(entry) });
      }
    }
    return evicted;
  }

  list(service?: string): Instance[] {
    const all = [...this.#instances.values()].map(publicView);
    return service ? all.filter((i) => i.service === service) : all;
  }
}

function publicView(entry: Instance & { expiresAt: number }): Instance {
  const { expiresAt: _expiresAt, ...instance } = entry;
  return instance;
}
