import type { Instance } from '@mercato/contracts';
import type { Logger } from 'pino';
import { type Dispatcher, request } from 'undici';
import { type Discovery, RoundRobin } from './discovery.ts';
import { readServerSentEvents } from './sse.ts';

const RECONNECT_MIN_MS = 200;
const RECONNECT_MAX_MS = 5_000;

/**
 * Client-side cache of the registry, fed by its watch stream (SSE). While the registry is
 * unreachable it keeps serving the last known instances; after a reconnect, instances missing from
 * the new snapshot stay one TTL longer, because a restarted registry starts empty and the
 * instances re-register on their next heartbeat.
 */
export class RegistryDiscovery implements Discovery {
  readonly #registryUrl: string;
  readonly #log: Logger | undefined;
  readonly #dispatcher: Dispatcher | undefined;
  readonly #byId = new Map<string, Instance>();
  /** Instances absent from the latest snapshot, with the time they are dropped. */
  readonly #stale = new Map<string, number>();
  readonly #roundRobin = new RoundRobin();
  readonly #listeners = new Set<() => void>();
  #abort = new AbortController();
  #closed = false;
  #synced: Promise<void>;
  #markSynced: () => void = () => {};

  /** `dispatcher`: the one that presents this process's certificate under MERCATO_INTERNAL_TLS=on. */
  constructor(options: { registryUrl: string; log?: Logger; dispatcher?: Dispatcher | undefined }) {
    this.#dispatcher = options.dispatcher;
    this.#registryUrl = options.registryUrl.replace(/\/$/, '');
    this.#log = options.log;
    this.#synced = new Promise((resolve) => {
      this.#markSynced = resolve;
    });
    void this.#watchForever();
  }

  /** Resolves once the first snapshot has arrived (or after `timeoutMs`). */
  async ready(timeoutMs = 5_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#synced, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** Called after every change of the cache. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  instances(service: string): Instance[] {
    this.#dropExpiredStale();
    const list: Instance[] = [];
    for (const instance of this.#byId.values()) if (instance.service === service && instance.status === 'up') list.push(instance);
    return list;
  }

  pick(service: string): Instance | undefined {
    return this.#roundRobin.pick(service, this.instances(service));
  }

  snapshot(): Map<string, Instance[]> {
    this.#dropExpiredStale();
    const map = new Map<string, Instance[]>();
    for (const instance of this.#byId.values()) {
      const list = map.get(instance.service) ?? [];
      list.push(instance);
      map.set(instance.service, list);
    }
    return map;
  }

  close(): void {
    this.#closed = true;
    this.#abort.abort();
  }

  async #watchForever(): Promise<void> {
    let delay = RECONNECT_MIN_MS;
    while (!this.#closed) {
      try {
        await this.#watchOnce(() => {
          delay = RECONNECT_MIN_MS;
        });
      } catch (error) {
        if (this.#closed) return;
        this.#log?.debug({ err: error }, 'registry watch interrupted');
      }
      if (this.#closed) return;
      await new Promise((resolve) => setTimeout(resolve, delay).unref());
      delay = Math.min(delay * 2, RECONNECT_MAX_MS);
    }
  }

  async #watchOnce(onConnected: () => void): Promise<void> {
    this.#abort = new AbortController();
    const response = await request(`${this.#registryUrl}/watch`, {
      signal: this.#abort.signal,
      headers: { accept: 'text/event-stream' },
      // The stream is long-lived; keep-alive comments arrive every few seconds.
      bodyTimeout: 30_000,
      headersTimeout: 5_000,
      dispatcher: this.#dispatcher,
    });
    if (response.statusCode !== 200) {
      await response.body.dump();
      throw new Error(`registry watch answered ${response.statusCode}`);
    }
    onConnected();
    for await (const message of readServerSentEvents(response.body)) {
      this.#apply(message.event, JSON.parse(message.data));
    }
  }

  #apply(event: string, data: unknown): void {
    if (event === 'snapshot') {
      const { instances, ttlSeconds } = data as { instances: Instance[]; ttlSeconds: number };
      const fresh = new Set(instances.map((i) => i.id));
      const dropAt = Date.now() + ttlSeconds * 1000;
      for (const id of this.#byId.keys()) if (!fresh.has(id) && !this.#stale.has(id)) this.#stale.set(id, dropAt);
      const freshUrls = new Set(instances.map((i) => i.url));
      for (const [id, known] of this.#byId) if (!fresh.has(id) && freshUrls.has(known.url)) this.#byId.delete(id);
      for (const instance of instances) {
        this.#byId.set(instance.id, instance);
        this.#stale.delete(instance.id);
      }
      this.#markSynced();
    } else if (event === 'registered') {
      const instance = data as Instance;
      // One address is one instance: a re-registration replaces the entry it had before a registry restart.
      for (const [id, known] of this.#byId) if (known.url === instance.url && id !== instance.id) this.#byId.delete(id);
      this.#byId.set(instance.id, instance);
      this.#stale.delete(instance.id);
    } else if (event === 'deregistered' || event === 'evicted') {
      const instance = data as Instance;
      this.#byId.delete(instance.id);
      this.#stale.delete(instance.id);
    } else {
      return;
    }
    for (const listener of this.#listeners) listener();
  }

  #dropExpiredStale(): void {
    if (this.#stale.size === 0) return;
    const now = Date.now();
    for (const [id, dropAt] of this.#stale) {
      if (dropAt <= now) {
        this.#stale.delete(id);
        this.#byId.delete(id);
      }
    }
  }
}
