import type { ControlEvents } from '@mercato/autoscaler/control';
import { type ProcessEntry, TOPOLOGY } from '@mercato/contracts/topology';
import type { SupervisorCalls } from './supervisor-calls.ts';

export interface OpenDeadLetter {
  id: string;
  consumer: string;
  type: string | null;
  failedAt: string;
}

/** A dead letter younger than this is left alone: its cause may still be going on. */
const SETTLE_MS = 30_000;
const EVERY_MS = 30_000;
/** Open letters are read 100 at a time, at most 1,000 a round; the next round goes on from there. */
const PAGE = 100;
const MAX_PAGES = 10;

/**
 * The services a service calls (it is a caller of their internal routes): what its consumers' work
 * depends on besides its own database. From the topology, so a new service needs no change here.
 */
export function downstreamOf(service: string, topology: readonly ProcessEntry[] = TOPOLOGY): string[] {
  return topology.filter((p) => Object.values(p.internalRoutes).some((callers) => callers.includes(service))).map((p) => p.name);
}

/**
 * Which of a service's open dead letters to replay now: its consumers' downstream is healthy again
 * (the service itself and every service it calls has a ready instance), the letter failed at least
 * SETTLE_MS ago, and the policy has not tried it before — a letter that fails again was not failing
 * for a cause that went away, so it waits for a person (`mercato dlq`, the console).
 */
export function lettersToReplay(
  letters: readonly OpenDeadLetter[],
  options: { healthy: boolean; now: number; tried: ReadonlySet<string> },
): OpenDeadLetter[] {
  if (!options.healthy) return [];
  return letters.filter((l) => !options.tried.has(l.id) && Date.parse(l.failedAt) <= options.now - SETTLE_MS);
}

/**
 * The automatic dead-letter replay policy (`MERCATO_DLQ_AUTO_REPLAY=on`; off by default, since a
 * replay runs business effects again): every 30 s, each service's open dead letters are replayed
 * once when their cause has gone (lettersToReplay), each a `replayed` event.
 */
export class DeadLetterReplay {
  readonly #calls: SupervisorCalls;
  readonly #events: ControlEvents;
  readonly #services: readonly string[];
  readonly #isReady: (service: string) => boolean;
  /** Per service, the letters the policy has replayed once. */
  readonly #tried = new Map<string, Set<string>>();
  /** Per service, where the next round's listing starts (the last round's nextCursor). */
  readonly #cursor = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;
  #running = false;

  constructor(options: {
    calls: SupervisorCalls;
    events: ControlEvents;
    services: readonly string[];
    isReady: (service: string) => boolean;
  }) {
    this.#calls = options.calls;
    this.#events = options.events;
    this.#services = options.services;
    this.#isReady = options.isReady;
  }

  start(): void {
    this.#timer = setInterval(() => void this.round(), EVERY_MS);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async round(now = Date.now()): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      for (const service of this.#services) await this.#replayFor(service, now).catch(() => undefined);
    } finally {
      this.#running = false;
    }
  }

  async #replayFor(service: string, now: number): Promise<void> {
    const healthy = () => [service, ...downstreamOf(service)].every((name) => this.#isReady(name));
    if (!healthy()) return;
    const [instance] = await this.#calls.instances(service);
    if (!instance) return;
    const tried = this.#tried.get(service) ?? new Set<string>();
    this.#tried.set(service, tried);
    // Page on from where the last round stopped, back to the start after the last page: letters tried
    // before (still open) never hide newer ones, however many there are.
    let after = this.#cursor.get(service) ?? '0';
    for (let page = 0; page < MAX_PAGES; page++) {
      const listed = await this.#calls.call(service, `${instance.url}/internal/dead-letters?limit=${PAGE}&after=${after}`);
      if (listed.status !== 200) return;
      const { items, nextCursor } = JSON.parse(listed.body) as { items?: unknown; nextCursor?: unknown };
      const letters = Array.isArray(items) ? items.filter(isOpenDeadLetter) : [];
      for (const letter of lettersToReplay(letters, { healthy: true, now, tried })) {
        // A downstream that went down meanwhile would fail every letter after it: the round stops.
        if (!healthy()) return;
        const replayed = await this.#calls.call(service, `${instance.url}/internal/dead-letters/${letter.id}/replay`, 'POST', 30_000);
        // Only an answer about the letter itself counts: 200 replayed (it leaves the open list), 409 failed
        // again (a person's now). Anything else (a 5xx, a 404 while another replay ran) says nothing
        // about the letter: the round stops and the letter is tried again in a later one.
        if (replayed.status !== 200 && replayed.status !== 409) return;
        if (replayed.status === 409) tried.add(letter.id);
        const outcome =
          replayed.status === 200 ? ((JSON.parse(replayed.body) as { outcome?: unknown }).outcome ?? 'replayed') : 'failed again (409)';
        this.#events.record('replayed', service, {
          id: letter.id,
          consumer: letter.consumer,
          type: letter.type,
          outcome: String(outcome),
          reason: 'downstream healthy again',
        });
      }
      const more = typeof nextCursor === 'string' && /^[0-9]{1,18}$/.test(nextCursor);
      after = more ? nextCursor : '0';
      this.#cursor.set(service, after);
      if (!more) return;
    }
  }
}

function isOpenDeadLetter(value: unknown): value is OpenDeadLetter {
  const v = value as OpenDeadLetter;
  return typeof v?.id === 'string' && /^[0-9]{1,18}$/.test(v.id) && typeof v.consumer === 'string' && typeof v.failedAt === 'string';
}
