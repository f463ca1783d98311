import { randomUUID } from 'node:crypto';
import type { Instance, InstanceRegistration } from '@mercato/contracts';

export type InstanceChange = { kind: 'registered' | 'deregistered' | 'evicted'; instance: Instance };

type Entry = Instance & { expiresAt: number; owner: string | undefined };

/**
 * The live instances, in memory. An instance stays while it heartbeats; one that misses the TTL
 * is evicted by `evictExpired`. Pure: the clock is passed in, so tests need no sleeping.
 */
export class InstanceTable {
  readonly ttlMs: number;
  readonly #instances = new Map<string, Entry>();

  constructor(ttlMs: number) {
    this.ttlMs = ttlMs;
  }

  /** `owner`: the client that registered it (undefined on a registry without credentials). */
  register(registration: InstanceRegistration, now: number, owner?: string): InstanceChange {
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
    this.#instances.set(instance.id, { ...instance, expiresAt: now + this.ttlMs, owner });
    return { kind: 'registered', instance };
  }

  /** The live instance's registering client: `null` when there is no such instance. */
  ownerOf(id: string): string | undefined | null {
    const entry = this.#instances.get(id);
    return entry ? entry.owner : null;
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

function publicView(entry: Entry): Instance {
  const { expiresAt: _expiresAt, owner: _owner, ...instance } = entry;
  return instance;
}
