/**
 * Traces as the operators see them (API.md `/api/ops/traces`), merged from what each process keeps:
 * pure functions, summaries and spans in, answers out.
 */

import type { LocalEdge as ProcessEdge, FinishedSpan as ProcessSpan, LocalTraceSummary as ProcessTraceSummary } from '@mercato/contracts';

/** What one process answers at `/internal/traces` (packages/contracts `traces.ts`). */
export type { ProcessEdge, ProcessSpan, ProcessTraceSummary };

export interface TraceSummary {
  traceId: string;
  name: string;
  startedAt: string;
  durationMs: number;
  services: string[];
  spanCount: number;
  error: boolean;
}

export interface TraceSpan {
  spanId: string;
  parentSpanId: string | null;
  service: string;
  instance: string;
  name: string;
  kind: string;
  startedAt: string;
  durationMs: number;
  status: 'ok' | 'error';
  attributes: Record<string, string | number | boolean>;
}

const ms = (value: number) => Math.round(value * 1_000) / 1_000;

/** One summary per trace from every process's view of it (a process that holds the trace's root names it). */
export function mergeSummaries(
  perProcess: readonly { service: string; items: readonly ProcessTraceSummary[] }[],
): (TraceSummary & { start: number })[] {
  const merged = new Map<
    string,
    { start: number; end: number; name: string | null; services: Set<string>; spanCount: number; error: boolean }
  >();
  for (const { service, items } of perProcess) {
    for (const item of items) {
      const entry = merged.get(item.traceId) ?? {
        start: item.startTime,
        end: item.endTime,
        name: null,
        services: new Set(),
        spanCount: 0,
        error: false,
      };
      entry.start = Math.min(entry.start, item.startTime);
      entry.end = Math.max(entry.end, item.endTime);
      entry.name ??= item.rootName;
      entry.services.add(service);
      entry.spanCount += item.spanCount;
      entry.error ||= item.error;
      merged.set(item.traceId, entry);
    }
  }
  return [...merged.entries()].map(([traceId, e]) => ({
    traceId,
    start: e.start,
    // A trace whose root span was not kept (sampled out, evicted) is still listed, by what is known.
    name: e.name ?? '(root span not kept)',
    startedAt: new Date(e.start).toISOString(),
    durationMs: ms(e.end - e.start),
    services: [...e.services].sort(),
    spanCount: e.spanCount,
    error: e.error,
  }));
}

/** Newest first; ties by trace id so a page boundary is exact. */
export function newestFirst(a: { start: number; traceId: string }, b: { start: number; traceId: string }): number {
  return b.start - a.start || (a.traceId < b.traceId ? 1 : a.traceId > b.traceId ? -1 : 0);
}

/** Where a page of the newest-first list ends: the last item's start and trace id. */
export interface TraceCursor {
  start: number;
  traceId: string;
}

export function encodeCursor(cursor: TraceCursor): string {
  return Buffer.from(JSON.stringify([cursor.start, cursor.traceId])).toString('base64url');
}

/** The cursor a page gave out, or undefined for anything else. */
export function decodeCursor(text: string): TraceCursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [start, traceId] = value;
    if (typeof start !== 'number' || !Number.isFinite(start) || start < 0) return undefined;
    if (typeof traceId !== 'string' || !/^[0-9a-f]{32}$/.test(traceId)) return undefined;
    return { start, traceId };
  } catch {
    return undefined;
  }
}

export function after(cursor: TraceCursor | undefined): (item: { start: number; traceId: string }) => boolean {
  return (item) => cursor === undefined || newestFirst(cursor, item) > 0;
}

/** A trace's spans from every process, by start time, as API.md answers them. */
export function traceSpans(spans: readonly ProcessSpan[]): TraceSpan[] {
  const unique = new Map(spans.map((span) => [span.spanId, span]));
  return [...unique.values()]
    .sort((a, b) => a.startTime - b.startTime)
    .map((span) => ({
      spanId: span.spanId,
      parentSpanId: span.parentSpanId,
      service: span.service,
      instance: span.instance,
      name: span.name,
      kind: span.kind,
      startedAt: new Date(span.startTime).toISOString(),
      durationMs: ms(span.durationMs),
      status: span.status,
      attributes: span.attributes,
    }));
}

export interface ServiceMap {
  since: string;
  until: string;
  nodes: { name: string }[];
  edges: (ProcessEdge & { perSecond: number; errorRate: number })[];
}

/** Who calls whom, summed over every process's view of the window. */
export function serviceMap(names: readonly string[], edges: readonly ProcessEdge[], since: number, until: number): ServiceMap {
  const summed = new Map<string, ProcessEdge>();
  for (const edge of edges) {
    const key = `${edge.from}>${edge.to}>${edge.via}`;
    const entry = summed.get(key) ?? { from: edge.from, to: edge.to, via: edge.via, calls: 0, errors: 0 };
    entry.calls += edge.calls;
    entry.errors += edge.errors;
    summed.set(key, entry);
  }
  const seconds = Math.max(1, (until - since) / 1_000);
  const nodes = new Set(names);
  for (const edge of summed.values()) {
    nodes.add(edge.from);
    nodes.add(edge.to);
  }
  return {
    since: new Date(since).toISOString(),
    until: new Date(until).toISOString(),
    nodes: [...nodes].map((name) => ({ name })),
    edges: [...summed.values()]
      .sort((a, b) => b.calls - a.calls)
      .map((edge) => ({
        ...edge,
        perSecond: Math.round((edge.calls / seconds) * 1_000) / 1_000,
        errorRate: edge.calls === 0 ? 0 : Math.round((edge.errors / edge.calls) * 10_000) / 10_000,
      })),
  };
}
