import type { LocalEdge, LocalTraceSummary } from '@mercato/contracts';
import type { FinishedSpan, Span } from './span.ts';

export type { LocalEdge, LocalTraceSummary };

/** The span attributes traces can be searched by. */
export const SEARCHABLE = { orderId: 'order.id', requestId: 'request.id' } as const;
export type SearchKey = keyof typeof SEARCHABLE;

/**
 * The recent spans of this process, in memory, bounded by count and by age: the oldest go first.
 * Indexed by trace id and by the searchable attributes, so a lookup never scans the whole store.
 */
export class SpanStore {
  readonly maxSpans: number;
  readonly maxAgeMs: number;
  /** Spans in the order they ended; `#head` is the oldest still kept. */
  #spans: Span[] = [];
  #head = 0;
  readonly #byTrace = new Map<string, Span[]>();
  readonly #byKey = new Map<string, Set<string>>();
  readonly #keysOfTrace = new Map<string, string[]>();

  constructor(options: { maxSpans: number; maxAgeMs: number }) {
    this.maxSpans = options.maxSpans;
    this.maxAgeMs = options.maxAgeMs;
  }

  get size(): number {
    return this.#spans.length - this.#head;
  }

  add(span: Span): void {
    if (this.maxSpans <= 0) return;
    this.#spans.push(span);
    const trace = this.#byTrace.get(span.traceId);
    if (trace) trace.push(span);
    else this.#byTrace.set(span.traceId, [span]);
    for (const [, attribute] of Object.entries(SEARCHABLE)) {
      const value = span.attributes[attribute];
      if (value === undefined) continue;
      const key = `${attribute}=${value}`;
      const traces = this.#byKey.get(key) ?? new Set<string>();
      traces.add(span.traceId);
      this.#byKey.set(key, traces);
      const keys = this.#keysOfTrace.get(span.traceId);
      if (keys) keys.push(key);
      else this.#keysOfTrace.set(span.traceId, [key]);
    }
    this.#evict(Date.now());
  }

  spansOf(traceId: string): FinishedSpan[] {
    this.#evict(Date.now());
    return (this.#byTrace.get(traceId) ?? []).map((span) => span.toJSON());
  }

  /** Trace ids holding a span whose searchable attribute has this value. */
  traceIdsWith(key: SearchKey, value: string): string[] {
    this.#evict(Date.now());
    return [...(this.#byKey.get(`${SEARCHABLE[key]}=${value}`) ?? [])];
  }

  /** What this process knows of the given traces, or of its newest `limit` traces ended before `before` (epoch ms). */
  summaries(options: { traceIds?: readonly string[]; limit: number; before?: number }): LocalTraceSummary[] {
    this.#evict(Date.now());
    const ids: string[] = [];
    if (options.traceIds) {
      for (const id of options.traceIds) if (this.#byTrace.has(id)) ids.push(id);
    } else {
      const seen = new Set<string>();
      for (let i = this.#spans.length - 1; i >= this.#head && ids.length < options.limit; i--) {
        const span = this.#spans[i] as Span;
        if (seen.has(span.traceId)) continue;
        seen.add(span.traceId);
        if (options.before === undefined || summaryOf(this.#byTrace.get(span.traceId) ?? []).startTime < options.before)
          ids.push(span.traceId);
      }
    }
    return ids.map((id) => ({ traceId: id, ...summaryOf(this.#byTrace.get(id) ?? []) }));
  }

  /** Who called whom in the spans that ended since `since` (epoch ms): client spans name their callee, consumer spans their event's source. */
  edges(since: number): LocalEdge[] {
    this.#evict(Date.now());
    const edges = new Map<string, LocalEdge>();
    for (let i = this.#spans.length - 1; i >= this.#head; i--) {
      const span = this.#spans[i] as Span;
      if (span.startTime + span.durationMs < since) break;
      const peer = span.attributes['peer.service'];
      const source = span.attributes['messaging.source'];
      let edge: Omit<LocalEdge, 'calls' | 'errors'> | undefined;
      if (span.kind === 'client' && typeof peer === 'string') edge = { from: span.sink.service, to: peer, via: 'http' };
      else if (span.kind === 'consumer' && typeof source === 'string') edge = { from: source, to: span.sink.service, via: 'bus' };
      if (!edge) continue;
      const key = `${edge.from}>${edge.to}>${edge.via}`;
      const entry = edges.get(key) ?? { ...edge, calls: 0, errors: 0 };
      entry.calls += 1;
      if (span.status === 'error') entry.errors += 1;
      edges.set(key, entry);
    }
    return [...edges.values()];
  }

  #evict(now: number): void {
    while (this.size > 0) {
      const oldest = this.#spans[this.#head] as Span;
      if (this.size <= this.maxSpans && now - (oldest.startTime + oldest.durationMs) <= this.maxAgeMs) break;
      this.#spans[this.#head] = undefined as unknown as Span;
      this.#head += 1;
      const trace = this.#byTrace.get(oldest.traceId);
      trace?.shift();
      if (trace && trace.length === 0) {
        this.#byTrace.delete(oldest.traceId);
        for (const key of this.#keysOfTrace.get(oldest.traceId) ?? []) {
          const traces = this.#byKey.get(key);
          traces?.delete(oldest.traceId);
          if (traces?.size === 0) this.#byKey.delete(key);
        }
        this.#keysOfTrace.delete(oldest.traceId);
      }
    }
    // Compact now and then rather than shifting the array on every eviction.
    if (this.#head > 1024 && this.#head * 2 > this.#spans.length) {
      this.#spans = this.#spans.slice(this.#head);
      this.#head = 0;
    }
  }
}

function summaryOf(spans: readonly Span[]): Omit<LocalTraceSummary, 'traceId'> {
  let startTime = Number.POSITIVE_INFINITY;
  let endTime = 0;
  let rootName: string | null = null;
  let error = false;
  for (const span of spans) {
    startTime = Math.min(startTime, span.startTime);
    endTime = Math.max(endTime, span.startTime + span.durationMs);
    if (span.parentSpanId === null) rootName = span.name;
    if (span.status === 'error') error = true;
  }
  return { rootName, startTime, endTime, spanCount: spans.length, error };
}
