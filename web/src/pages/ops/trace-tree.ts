import type { Span } from '../../lib/types.ts';

/** One row of a trace's waterfall: the span, how deep it sits under its root, and where it starts. */
export interface WaterfallRow {
  span: Span;
  depth: number;
  /** Milliseconds from the trace's first span's start. */
  offsetMs: number;
}

export interface WaterfallLayout {
  rows: WaterfallRow[];
  /** The shared time axis: from the first start to the last end, in milliseconds (at least 1, so bars can be scaled by it). */
  totalMs: number;
  startedAt: number;
}

/**
 * A trace's spans in reading order: each root (no parent, or a parent that was not kept), then its
 * children depth first, siblings by start. A span whose parent chain loops, which a well-formed trace
 * never has, is still shown once, as a root — a waterfall that drops spans would hide what went wrong.
 */
export function layOutTrace(spans: Span[]): WaterfallLayout {
  const byStart = [...spans].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
  const ids = new Set(byStart.map((s) => s.spanId));
  const children = new Map<string, Span[]>();
  const roots: Span[] = [];
  for (const span of byStart) {
    const parent = span.parentSpanId;
    if (parent === null || parent === span.spanId || !ids.has(parent)) roots.push(span);
    else children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const startedAt = byStart.length > 0 ? Math.min(...byStart.map((s) => Date.parse(s.startedAt))) : 0;
  const endedAt = byStart.length > 0 ? Math.max(...byStart.map((s) => Date.parse(s.startedAt) + s.durationMs)) : 0;
  const rows: WaterfallRow[] = [];
  const seen = new Set<string>();
  const visit = (root: Span) => {
    // Depth first without recursion: a long chain of spans (a retried step, a deep call) cannot overflow the stack.
    const stack: [Span, number][] = [[root, 0]];
    while (stack.length > 0) {
      const [span, depth] = stack.pop() as [Span, number];
      if (seen.has(span.spanId)) continue;
      seen.add(span.spanId);
      rows.push({ span, depth, offsetMs: Date.parse(span.startedAt) - startedAt });
      const below = children.get(span.spanId) ?? [];
      for (let i = below.length - 1; i >= 0; i--) stack.push([below[i] as Span, depth + 1]);
    }
  };
  for (const root of roots) visit(root);
  for (const span of byStart) if (!seen.has(span.spanId)) visit(span);
  return { rows, totalMs: Math.max(1, endedAt - startedAt), startedAt };
}

/** `0.42 ms`, `4.2 ms`, `123 ms`, `1.23 s`. */
export function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 10_000 ? 1 : 2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/**
 * Round marks for a time axis of `totalMs`, starting at 0: 1, 2 or 5 × a power of ten apart, the step
 * that gives closest to five intervals (so between 3 and 8 of them: the labels fit a narrow track).
 */
export function axisTicks(totalMs: number): number[] {
  const power = 10 ** Math.floor(Math.log10(totalMs / 5));
  const candidates = [1, 2, 5, 10].map((m) => m * power);
  const step = candidates.reduce((best, s) => (Math.abs(totalMs / s - 5) < Math.abs(totalMs / best - 5) ? s : best));
  const ticks: number[] = [];
  for (let at = 0; at <= totalMs + step * 1e-9; at += step) ticks.push(Number(at.toPrecision(12)));
  return ticks;
}
