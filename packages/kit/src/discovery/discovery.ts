import type { Instance } from '@mercato/contracts';

/** Finds instances of other services; the gateway and the kit's HTTP client ask it for every call. */
export interface Discovery {
  /** Healthy instances of a service as last known (possibly stale while the registry is down). */
  instances(service: string): Instance[];
  /** The next instance of a service, round-robin; undefined when none is known. */
  pick(service: string): Instance | undefined;
  /** Every known service and its instances. */
  snapshot(): Map<string, Instance[]>;
  close(): void;
}

/** Round-robin cursor per service over whatever list it is given. */
export class RoundRobin {
  readonly #next = new Map<string, number>();
  pick<T>(key: string, items: readonly T[]): T | undefined {
    if (items.length === 0) return undefined;
    const i = this.#next.get(key) ?? 0;
    this.#next.set(key, (i + 1) % items.length);
    return items[i % items.length];
  }
}
