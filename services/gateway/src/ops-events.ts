import type { ControlEventKind } from '@mercato/contracts';
import { uuidv7 } from '@mercato/kit';

/** What the platform did or noticed by itself (API.md, `GET /api/ops/events`): the control loop's kinds, one list. */
export type OpsEventKind = ControlEventKind;

/** An event's particulars, as plain JSON (an alert's name, severity and summary; a restart's exit code…). */
export type OpsEventDetail = Readonly<Record<string, string | number | boolean | null | undefined>>;

export interface OpsEvent {
  id: string;
  at: string;
  kind: OpsEventKind;
  service: string;
  detail: OpsEventDetail;
}

/** Where any module records an event: the alert evaluation and anomaly detection here, and what the control loop reports. */
export interface OpsEventRecorder {
  record(kind: OpsEventKind, service: string, detail: OpsEventDetail): OpsEvent;
  /** An event recorded elsewhere, kept as it is; false when its id is already kept. */
  add(event: OpsEvent): boolean;
}

/** The newest events the gateway keeps: a console's recent history, not an audit log (those go to the logs). */
export const OPS_EVENTS_KEPT = 1_000;

/**
 * The gateway's own events, in memory, newest kept (OPS_EVENTS_KEPT). Each has a sequence number in
 * this process; a page's cursor is the number of its last event, so paging goes on from there
 * whatever was recorded since.
 */
export class OpsEvents implements OpsEventRecorder {
  readonly #capacity: number;
  readonly #now: () => number;
  /** Oldest first; `seq` grows by one per event. */
  readonly #events: { seq: number; event: OpsEvent }[] = [];
  /** The ids kept, so an event merged from elsewhere (the control loop) is kept once however often it is seen. */
  readonly #ids = new Set<string>();
  #seq = 0;

  constructor(options: { capacity?: number; now?: () => number } = {}) {
    this.#capacity = options.capacity ?? OPS_EVENTS_KEPT;
    this.#now = options.now ?? Date.now;
  }

  record(kind: OpsEventKind, service: string, detail: OpsEventDetail): OpsEvent {
    const event: OpsEvent = { id: uuidv7(), at: new Date(this.#now()).toISOString(), kind, service, detail };
    this.add(event);
    return event;
  }

  /**
   * Keeps an event another process recorded (the control loop's restarts and scaling), its own `id`
   * and `at` unchanged, as the newest; false when an event with that id is already kept. Listings
   * stay in the order of keeping, so an event seen late sits above those kept before it.
   */
  add(event: OpsEvent): boolean {
    if (this.#ids.has(event.id)) return false;
    this.#seq += 1;
    this.#events.push({ seq: this.#seq, event });
    this.#ids.add(event.id);
    if (this.#events.length > this.#capacity)
      for (const dropped of this.#events.splice(0, this.#events.length - this.#capacity)) this.#ids.delete(dropped.event.id);
    return true;
  }

  /** Up to `limit` events older than the one numbered `before` (all, without it), newest first; `next` continues after the last. */
  page(limit: number, before?: number): { items: OpsEvent[]; next: number | undefined } {
    const older = before === undefined ? this.#events : this.#events.filter((e) => e.seq < before);
    const page = older.slice(-limit).reverse();
    const last = page.at(-1);
    return { items: page.map((e) => e.event), next: last && older.length > limit ? last.seq : undefined };
  }
}

/** A page cursor: opaque to clients, the sequence number of the page's last event here. */
export function encodeEventCursor(seq: number): string {
  return Buffer.from(`e${seq}`).toString('base64url');
}

/** The sequence number a cursor holds, or undefined when this listing did not give it out. */
export function decodeEventCursor(cursor: string): number | undefined {
  const match = /^e([1-9][0-9]{0,14})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match?.[1]) return undefined;
  const seq = Number(match[1]);
  return encodeEventCursor(seq) === cursor ? seq : undefined;
}
