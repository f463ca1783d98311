import { AsyncLocalStorage } from 'node:async_hooks';
import { parseTraceparent, Span, type SpanAttributes, type SpanContext, type SpanKind, type SpanSink } from './span.ts';
import type { SpanStore } from './span-store.ts';

/** The span the running code works for, across awaits: one store for the whole process, whichever service's span it holds. */
const current = new AsyncLocalStorage<Span>();

export function currentSpan(): Span | undefined {
  return current.getStore();
}

/**
 * Runs `work` with `span` as the current span (its log lines, calls and events hang under it); with
 * no span, outside any — never under whichever span happened to be current (a group commit runs many
 * pieces of work from one caller's turn).
 */
export function withSpan<T>(span: Span | undefined, work: () => T): T {
  return span ? current.run(span, work) : current.exit(work);
}

/** Sets attributes on the current span, if there is one (e.g. `{ 'order.id': id }`, which traces are found by). */
export function annotateSpan(attributes: SpanAttributes): void {
  const span = current.getStore();
  if (span) Object.assign(span.attributes, attributes);
}

export interface SpanExporter {
  export(span: Span): void;
  close(): Promise<void>;
}

export interface TracerOptions {
  /** False: the kit makes no spans with this tracer (MERCATO_TRACING=off). Default true. */
  enabled?: boolean;
  service: string;
  instance: string;
  /** Share of new traces recorded, 0–1; a trace continued from a caller follows the caller's decision. Failed spans are always kept. */
  sampleRate: number;
  store: SpanStore;
  exporter?: SpanExporter;
  /** Counts every span kept, for `mercato_spans_recorded_total`. */
  onRecorded?: () => void;
}

/**
 * Makes this process's spans. Sampling is decided where a trace starts (the gateway, for every
 * request from outside) and travels in the `traceparent` flags, so a trace is kept whole or not at
 * all — except that a span that fails is kept anyway, so errors are always visible.
 */
export class Tracer implements SpanSink {
  readonly service: string;
  readonly instance: string;
  readonly store: SpanStore;
  readonly enabled: boolean;
  readonly #sampleRate: number;
  readonly #exporter: SpanExporter | undefined;
  readonly #onRecorded: (() => void) | undefined;

  constructor(options: TracerOptions) {
    this.enabled = options.enabled ?? true;
    this.service = options.service;
    this.instance = options.instance;
    this.store = options.store;
    this.#sampleRate = options.sampleRate;
    this.#exporter = options.exporter;
    this.#onRecorded = options.onRecorded;
  }

  /**
   * A new span under `parent` (a traceparent string, a span context, or by default the current span);
   * with no parent it starts a trace and decides whether to sample it.
   */
  startSpan(name: string, kind: SpanKind, options: { parent?: SpanContext | string | null; attributes?: SpanAttributes } = {}): Span {
    const parent =
      options.parent === undefined
        ? current.getStore()
        : typeof options.parent === 'string'
          ? parseTraceparent(options.parent)
          : (options.parent ?? undefined);
    const sampled = parent ? parent.sampled : this.#sampleRate >= 1 || (this.#sampleRate > 0 && Math.random() < this.#sampleRate);
    return new Span(this, name, kind, parent, sampled, options.attributes ?? {});
  }

  finished(span: Span): void {
    if (!span.sampled && span.status !== 'error') return;
    this.store.add(span);
    this.#exporter?.export(span);
    this.#onRecorded?.();
  }

  async close(): Promise<void> {
    await this.#exporter?.close();
  }
}

export type { SpanContext };
