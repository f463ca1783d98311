import { CommonProblems, type HttpApp, HttpProblem, SERVICE_NAMES, type SpanStore } from '@mercato/kit';
import { Type } from 'typebox';
import {
  after,
  decodeCursor,
  encodeCursor,
  mergeSummaries,
  newestFirst,
  type ProcessEdge,
  type ProcessSpan,
  type ProcessTraceSummary,
  serviceMap,
  traceSpans,
} from '../domain/traces.ts';
import type { OpsClient } from '../ops-client.ts';

const SearchValue = Type.String({ minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7e]+$' });
const TracesQuery = Type.Object(
  {
    orderId: Type.Optional(SearchValue),
    requestId: Type.Optional(SearchValue),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
const TraceParams = Type.Object({ traceId: Type.String({ pattern: '^[0-9a-f]{32}$' }) }, { additionalProperties: false });
/** The service map covers the spans of the last five minutes. */
const MAP_WINDOW_MS = 5 * 60_000;

/**
 * `/api/ops/traces`, `/api/ops/traces/{traceId}` and `/api/ops/service-map`, admin only: every process
 * keeps its own recent spans (kit `tracing/`), and the gateway asks each live instance — and its own
 * store — when an operator looks, so nothing is shipped anywhere while nobody looks.
 */
export function opsTraceRoutes(app: HttpApp, ops: OpsClient, local: SpanStore): void {
  const admin = { config: { access: 'admin' as const } };

  async function summariesFrom(query: string, fromLocal: () => ProcessTraceSummary[]) {
    const answers = await ops.everyInstance(`/internal/traces?${query}`);
    return [
      { service: 'gateway', items: fromLocal() },
      ...answers.map(({ service, status, body }) => ({
        service,
        items: status === 200 ? ((body as { items?: ProcessTraceSummary[] })?.items ?? []) : [],
      })),
    ];
  }

  app.get('/api/ops/traces', { ...admin, schema: { querystring: TracesQuery } }, async (request) => {
    const { orderId, requestId, limit } = request.query;
    const cursor = request.query.cursor === undefined ? undefined : decodeCursor(request.query.cursor);
    if (request.query.cursor !== undefined && !cursor) {
      throw new HttpProblem(CommonProblems.validation, 'This cursor was not given out by this listing.', {
        extensions: { errors: [{ parameter: 'cursor', detail: 'is not a cursor this listing gave out' }] },
      });
    }
    // First the candidates: the traces holding the searched ids, or each process's newest.
    let candidates: string[];
    if (orderId !== undefined || requestId !== undefined) {
      const search = new URLSearchParams({ limit: '200' });
      if (orderId !== undefined) search.set('orderId', orderId);
      if (requestId !== undefined) search.set('requestId', requestId);
      const found = await summariesFrom(search.toString(), () => {
        const ids = new Set([
          ...(orderId === undefined ? [] : local.traceIdsWith('orderId', orderId)),
          ...(requestId === undefined ? [] : local.traceIdsWith('requestId', requestId)),
        ]);
        return local.summaries({ traceIds: [...ids], limit: 200 });
      });
      candidates = mergeSummaries(found)
        .filter(after(cursor))
        .sort(newestFirst)
        .slice(0, limit + 1)
        .map((t) => t.traceId);
    } else {
      // A process's own start of a trace is never earlier than the trace's: ask for what began before the cursor (+1 ms: starts are fractional).
      const before = cursor === undefined ? undefined : Math.ceil(cursor.start) + 1;
      const search = new URLSearchParams({ limit: String(limit + 1), ...(before === undefined ? {} : { before: String(before) }) });
      const newest = await summariesFrom(search.toString(), () => local.summaries({ limit: limit + 1, before }));
      candidates = mergeSummaries(newest)
        .filter(after(cursor))
        .sort(newestFirst)
        .slice(0, limit + 1)
        .map((t) => t.traceId);
    }
    if (candidates.length === 0) return { items: [], nextCursor: null };
    // Then every process's part of those traces, so each summary names every service it crossed.
    const whole = await summariesFrom(`traceIds=${candidates.join(',')}`, () => local.summaries({ traceIds: candidates, limit: 100 }));
    const page = mergeSummaries(whole).filter(after(cursor)).sort(newestFirst);
    const items = page.slice(0, limit);
    const last = items.at(-1);
    return {
      items: items.map(({ start: _start, ...summary }) => summary),
      nextCursor: page.length > limit && last ? encodeCursor({ start: last.start, traceId: last.traceId }) : null,
    };
  });

  app.get('/api/ops/traces/:traceId', { ...admin, schema: { params: TraceParams } }, async (request) => {
    const { traceId } = request.params;
    const answers = await ops.everyInstance(`/internal/traces/${traceId}`);
    const spans: ProcessSpan[] = [
      ...(local.spansOf(traceId) as ProcessSpan[]),
      ...answers.flatMap(({ status, body }) => (status === 200 ? ((body as { spans?: ProcessSpan[] })?.spans ?? []) : [])),
    ];
    if (spans.length === 0)
      throw new HttpProblem(CommonProblems.notFound, 'No process keeps a span of this trace (not sampled, or older than the spans kept).');
    return { traceId, spans: traceSpans(spans) };
  });

  app.get('/api/ops/service-map', { ...admin, schema: { querystring: Type.Object({}, { additionalProperties: false }) } }, async () => {
    const until = Date.now();
    const since = until - MAP_WINDOW_MS;
    const answers = await ops.everyInstance(`/internal/traces/edges?since=${since}`);
    const edges: ProcessEdge[] = [
      ...local.edges(since),
      ...answers.flatMap(({ status, body }) => (status === 200 ? ((body as { edges?: ProcessEdge[] })?.edges ?? []) : [])),
    ];
    return serviceMap(['gateway', ...SERVICE_NAMES], edges, since, until);
  });
}
