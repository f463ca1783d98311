import { randomBytes } from 'node:crypto';
import type { FinishedSpan, SpanAttributes, SpanKind, SpanStatus } from '@mercato/contracts';

export type { FinishedSpan, SpanAttributes, SpanKind, SpanStatus };

/** Where a span hangs in its trace: what a W3C `traceparent` carries. */
export interface SpanContext {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ALL_ZERO = /^0+$/;

/** The context a `traceparent` header or envelope field names; undefined for anything else (W3C: all-zero ids are invalid). */
export function parseTraceparent(value: string | undefined): SpanContext | undefined {
  const match = value ? TRACEPARENT.exec(value) : null;
  if (!match?.[1] || !match[2] || !match[3] || ALL_ZERO.test(match[1]) || ALL_ZERO.test(match[2])) return undefined;
  return { traceId: match[1], spanId: match[2], sampled: (Number.parseInt(match[3], 16) & 1) === 1 };
}

export function formatTraceparent(context: SpanContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.sampled ? '01' : '00'}`;
}

export const newTraceId = (): string => randomBytes(16).toString('hex');
export const newSpanId = (): string => randomBytes(8).toString('hex');

/** Where a span goes when it ends (the tracer that made it, which also makes its children). */
export interface SpanSink {
  readonly service: string;
  readonly instance: string;
  finished(span: Span): void;
  startSpan(name: string, kind: SpanKind, options?: { parent?: SpanContext | string | null; attributes?: SpanAttributes }): Span;
}

/**
 * One timed piece of work in one process. Made for every traced piece of work (its ids go into log
 * lines and onto the wire); kept by the sink only when its trace is sampled or it failed.
 */
export class Span implements SpanContext {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | null;
  readonly sampled: boolean;
  readonly name: string;
  readonly kind: SpanKind;
  readonly startTime: number;
  readonly attributes: SpanAttributes;
  readonly sink: SpanSink;
  status: SpanStatus = 'ok';
  durationMs = -1;
  readonly #startedAt = performance.now();

  constructor(sink: SpanSink, name: string, kind: SpanKind, parent: SpanContext | undefined, sampled: boolean, attributes: SpanAttributes) {
    this.sink = sink;
    this.name = name;
    this.kind = kind;
    this.traceId = parent?.traceId ?? newTraceId();
    this.spanId = newSpanId();
    this.parentSpanId = parent?.spanId ?? null;
    this.sampled = sampled;
    this.attributes = attributes;
    this.startTime = performance.timeOrigin + this.#startedAt;
  }

  get ended(): boolean {
    return this.durationMs >= 0;
  }

  get traceparent(): string {
    return formatTraceparent(this);
  }

  set(key: string, value: string | number | boolean): this {
    this.attributes[key] = value;
    return this;
  }

  /** Marks the span failed; `detail` (a message, never a secret) goes into its `error` attribute. */
  fail(detail?: string): this {
    this.status = 'error';
    if (detail) this.attributes.error = detail.slice(0, 300);
    return this;
  }

  /** Ends the span once; later calls change nothing. */
  end(status?: SpanStatus): void {
    if (this.ended) return;
    if (status === 'error') this.status = 'error';
    this.durationMs = performance.now() - this.#startedAt;
    this.sink.finished(this);
  }

  toJSON(): FinishedSpan {
    return {
      traceId: this.traceId,
      spanId: this.spanId,
      parentSpanId: this.parentSpanId,
      service: this.sink.service,
      instance: this.sink.instance,
      name: this.name,
      kind: this.kind,
      startTime: this.startTime,
      durationMs: this.durationMs,
      status: this.status,
      attributes: this.attributes,
    };
  }
}
