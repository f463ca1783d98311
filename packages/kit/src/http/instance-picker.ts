import type { Instance } from '@mercato/contracts';
import { type Discovery, RoundRobin } from '../discovery/discovery.ts';

/**
 * Default time an instance that refused a connection is passed over (while another instance is
 * known): it has most likely died, and the registry only evicts it after its TTL (6 s by default).
 */
export const DEFAULT_EJECT_FOR_MS = 5_000;

const NOTHING_TRIED: ReadonlySet<string> = new Set();

/**
 * Picks instances round-robin through discovery, with two additions for callers that retry: an
 * instance already tried for this call is never picked again, and an instance that just refused a
 * connection is passed over for a few seconds as long as another one is known (passive ejection).
 */
export class InstancePicker {
  readonly #discovery: Discovery;
  readonly #ejectForMs: number;
  /** Instance URL → time until which it is passed over. */
  readonly #ejected = new Map<string, number>();
  readonly #roundRobin = new RoundRobin();

  constructor(discovery: Discovery, options: { ejectForMs?: number } = {}) {
    this.#discovery = discovery;
    this.#ejectForMs = options.ejectForMs ?? DEFAULT_EJECT_FOR_MS;
  }

  /** The next instance of `service` not in `tried` (URLs); undefined when there is none. */
  pick(service: string, tried: ReadonlySet<string> = NOTHING_TRIED): Instance | undefined {
    if (tried.size === 0) {
      const next = this.#discovery.pick(service);
      if (!next || !this.#isEjected(next.url)) return next;
    }
    const untried = this.#discovery.instances(service).filter((i) => !tried.has(i.url));
    const healthy = untried.filter((i) => !this.#isEjected(i.url));
    return this.#roundRobin.pick(service, healthy.length > 0 ? healthy : untried);
  }

  /** The instance could not be connected to: pass over it for a while. */
  markUnreachable(url: string): void {
    if (this.#ejectForMs > 0) this.#ejected.set(url, Date.now() + this.#ejectForMs);
  }

  /** The instance answered: pick it normally again. */
  markReachable(url: string): void {
    if (this.#ejected.size > 0) this.#ejected.delete(url);
  }

  #isEjected(url: string): boolean {
    const until = this.#ejected.get(url);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.#ejected.delete(url);
    return false;
  }
}
