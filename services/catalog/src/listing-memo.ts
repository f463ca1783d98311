/**
 * Recent listing pages, each kept under the listing version it was read at (migration 0003): an
 * entry answers only a request that read the same version, so a page is never older than the last
 * committed product write. Concurrent requests for one page at one version share one read; a failed
 * read is not kept. Bounded by count, the least recently used going first.
 */
export class ListingMemo<T> {
  readonly #maxEntries: number;
  readonly #entries = new Map<string, { version: string; value: Promise<T> }>();

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  get(key: string, version: string, read: () => Promise<T>): Promise<T> {
    const kept = this.#entries.get(key);
    this.#entries.delete(key);
    if (kept && kept.version === version) {
      this.#entries.set(key, kept);
      return kept.value;
    }
    const value = read();
    const entry = { version, value };
    this.#entries.set(key, entry);
    value.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    return value;
  }

  get size(): number {
    return this.#entries.size;
  }
}
