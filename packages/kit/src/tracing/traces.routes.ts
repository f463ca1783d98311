import { Type } from 'typebox';
import type { HttpApp } from '../http-app.ts';
import { CommonProblems, HttpProblem } from '../problem.ts';
import type { SpanStore } from './span-store.ts';

export const TRACE_ID_PATTERN = '^[0-9a-f]{32}$';
const SearchValue = Type.String({ minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7e]+$' });

/**
 * What this process keeps of recent traces, for the gateway's `/api/ops/traces` (ops credential
 * only, like `/metrics`): summaries of its newest traces or of given ones, the trace ids holding a
 * searched order or request id, one trace's spans, and who called whom.
 */
export function traceRoutes(app: HttpApp, store: SpanStore): void {
  app.get(
    '/internal/traces',
    {
      logLevel: 'warn',
      schema: {
        querystring: Type.Object(
          {
            orderId: Type.Optional(SearchValue),
            requestId: Type.Optional(SearchValue),
            traceIds: Type.Optional(Type.String({ maxLength: 33 * 100, pattern: '^[0-9a-f]{32}(,[0-9a-f]{32})*$' })),
            before: Type.Optional(Type.Integer({ minimum: 0 })),
            limit: Type.Integer({ minimum: 1, maximum: 200, default: 20 }),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const { orderId, requestId, traceIds, before, limit } = request.query;
      if (orderId !== undefined || requestId !== undefined) {
        const ids = new Set([
          ...(orderId === undefined ? [] : store.traceIdsWith('orderId', orderId)),
          ...(requestId === undefined ? [] : store.traceIdsWith('requestId', requestId)),
        ]);
        return { items: store.summaries({ traceIds: [...ids].slice(0, limit), limit }) };
      }
      if (traceIds !== undefined) return { items: store.summaries({ traceIds: traceIds.split(','), limit: 100 }) };
      return { items: store.summaries({ limit, before }) };
    },
  );
  app.get(
    '/internal/traces/edges',
    {
      logLevel: 'warn',
      schema: { querystring: Type.Object({ since: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }) },
    },
    async (request) => ({ edges: store.edges(request.query.since) }),
  );
  app.get(
    '/internal/traces/:traceId',
    {
      logLevel: 'warn',
      schema: { params: Type.Object({ traceId: Type.String({ pattern: TRACE_ID_PATTERN }) }, { additionalProperties: false }) },
    },
    async (request) => {
      const spans = store.spansOf(request.params.traceId);
      if (spans.length === 0) throw new HttpProblem(CommonProblems.notFound, 'This process keeps no span of that trace.');
      return { spans };
    },
  );
}
