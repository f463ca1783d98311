import { randomUUID } from 'node:crypto';
import type { ControlEvent, ControlEventDetail, ControlEventKind } from '@mercato/contracts';

/** The newest events kept for the gateway to read; it reads every 5 s, so a few hundred is hours of quiet and minutes of chaos. */
const KEPT = 1_000;
/** At most this many per answer (the contract's bound). */
const PAGE = 500;

export interface ControlEventsOptions {
  /** How many of the newest events are kept (1,000 unless told). */
  kept?: number;
  /** The clock that stamps `at` (a controller under test moves its own). */
  now?: () => number;
}

/**
 * What a control loop (the supervisor of `mercato up`, the Kubernetes controller) did by itself, in memory,
 * numbered, for the gateway's `/api/ops/events` (`GET /events?after=<seq>`, control-server.ts).
 */
export class ControlEvents {
  readonly #events: ControlEvent[] = [];
  readonly #onRecord: (event: ControlEvent) => void;
  readonly #kept: number;
  readonly #now: () => number;
  #seq = 0;

  constructor(onRecord: (event: ControlEvent) => void = () => {}, options: ControlEventsOptions = {}) {
    this.#onRecord = onRecord;
    this.#kept = Math.max(1, options.kept ?? KEPT);
    this.#now = options.now ?? Date.now;
  }

  record(kind: ControlEventKind, service: string, detail: ControlEventDetail): ControlEvent {
    this.#seq += 1;
    const event: ControlEvent = { seq: this.#seq, id: randomUUID(), at: new Date(this.#now()).toISOString(), kind, service, detail };
    this.#events.push(event);
    if (this.#events.length > this.#kept) this.#events.splice(0, this.#events.length - this.#kept);
    this.#onRecord(event);
    return event;
  }

  /** Events after `seq`, oldest first, at most PAGE. */
  after(seq: number): ControlEvent[] {
    const items: ControlEvent[] = [];
    for (const event of this.#events) {
      if (event.seq <= seq) continue;
      items.push(event);
      if (items.length === PAGE) break;
    }
    return items;
  }

  all(): readonly ControlEvent[] {
    return this.#events;
  }
}
