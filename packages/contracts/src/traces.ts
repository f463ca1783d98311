/**
 * What every process answers the gateway at `/internal/traces` (kit `tracing/`), which the gateway
 * merges into `/api/ops/traces` and `/api/ops/service-map`. Plain types: only our own processes write
 * these, with the gateway's ops credential.
 */

export type SpanKind = 'server' | 'client' | 'producer' | 'consumer' | 'internal';
export type SpanStatus = 'ok' | 'error';
export type SpanAttributes = Record<string, string | number | boolean>;

/** One kept span (`GET /internal/traces/{traceId}` → `{ spans }`). */
export interface FinishedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  service: string;
  instance: string;
  name: string;
  kind: SpanKind;
  /** Epoch milliseconds, sub-millisecond precision. */
  startTime: number;
  durationMs: number;
  status: SpanStatus;
  attributes: SpanAttributes;
}

/** What one process knows of one trace (`GET /internal/traces` → `{ items }`). */
export interface LocalTraceSummary {
  traceId: string;
  /** The trace's root span's name when this process holds the root. */
  rootName: string | null;
  startTime: number;
  endTime: number;
  spanCount: number;
  error: boolean;
}

/** Calls or messages one process saw, by who called whom (`GET /internal/traces/edges` → `{ edges }`). */
export interface LocalEdge {
  from: string;
  to: string;
  via: 'http' | 'bus';
  calls: number;
  errors: number;
}
