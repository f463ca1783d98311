import { randomUUID } from 'node:crypto';
import type { ControlEvent, ControlEventDetail, ControlEventKind } from '@mercato/contracts';

/** The newest events kept for the gateway to read; it reads every 5 s, so a few hundred is hours of quiet and minutes of chaos. */
const KEPT = 1_000;
/** At most this many per answer (the contract's bound). */
const PAGE = 500;

/**
 * What a control loop (the supervisor of `mercato up`, the Kubernetes controller) did by itself, in memory,
 * numbered, for the gateway's `/api/ops/events` (`GET /events?after=<seq>`).
 */
export class ControlEvents {
  readonly #events: ControlEvent[] = [];
  readonly #onRecord: (event: ControlEvent) => void;
  #seq = 0;

  constructor(onRecord: (event: ControlEvent) => void = () => {}) {
    this.#onRecord = onRecord;
  }

  record(kind: ControlEventKind, service: string, detail: ControlEventDetail): ControlEvent {
    this.#seq += 1;
    const event: ControlEvent = { seq: this.#seq, id: randomUUID(), at: new Date().toISOString(), kind, service, detail };
    this.#events.push(event);
    if (this.#events.length > KEPT) this.#events.splice(0, this.#events.length - KEPT);
    this.#onRecord(event);
    return event;
  }

  /** Events after `seq`, oldest first, at most PAGE. */
  after(seq: number): ControlEvent[] {
    return this.#events.filter((e) => e.seq > seq).slice(0, PAGE);
  }

  all(): readonly ControlEvent[] {
    return this.#events;
  }
}
