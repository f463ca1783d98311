/**
 * A small time-bounded cache with single flight: concurrent misses of one key share one load, and an
 * answer is reused for `ttlMs`. For anonymous, public reads only, so nothing user-specific is kept.
 * Oldest entries go first once `maxEntries` is reached (a Map iterates in insertion order).
 */
export class MicroCache<V> {
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, { value: V; expires: number }>();
  readonly #loading = new Map<string, Promise<V>>();

  constructor(options: { ttlMs: number; maxEntries: number }) {
    this.#ttlMs = options.ttlMs;
    this.#maxEntries = options.maxEntries;
  }

  /** The cached value, or `load()`'s; `keep` says whether a loaded value may be reused (errors never are). */
  async get(key: string, load: () => Promise<V>, keep: (value: V) => boolean): Promise<V> {
    if (this.#ttlMs <= 0) return load();
    const now = Date.now();
    const hit = this.#entries.get(key);
    if (hit && hit.expires > now) return hit.value;
    const pending = this.#loading.get(key);
    if (pending) return pending;
    const loading = load().then((value) => {
      if (keep(value)) this.#store(key, value);
      return value;
    });
    this.#loading.set(key, loading);
    try {
      return await loading;
    } finally {
      this.#loading.delete(key);
    }
  }

  /** Forgets every kept answer (loads under way still finish, and are kept). */
  clear(): void {
    this.#entries.clear();
  }

  #store(key: string, value: V): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, { value, expires: Date.now() + this.#ttlMs });
  }
}
