import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Span } from './span.ts';
import { type Tracer, withSpan } from './tracer.ts';

/** Probes, scrapes, the operators’ own views, the API docs and static files: traced, they would bury the shop's traffic. */
const UNTRACED = /^\/(?:health\/|metrics(?:$|\?)|internal\/traces|api\/ops\/|assets\/|media\/|docs(?:$|[/?])|favicon)/;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** No server span for this route (the web app's pages: a static file per page view). */
    untraced?: boolean;
  }
}

const spans = new WeakMap<FastifyRequest, Span>();

/** The server span of a request, if it has one. */
export function serverSpanOf(request: FastifyRequest): Span | undefined {
  return spans.get(request);
}

/**
 * A server span for every request (`GET /api/products/:id`: the route's pattern, never the raw URL),
 * current while its hooks and handler run. Behind the edge a request continues the caller's trace
 * (`traceparent`); at the edge (`trustTraceparent: false`) an outside client's header is ignored and
 * every request starts a trace of its own, so nobody outside chooses what is sampled.
 */
export function installServerSpans(app: FastifyInstance, tracer: Tracer, options: { trustTraceparent: boolean }): void {
  app.addHook('onRequest', (request, _reply, done) => {
    if (UNTRACED.test(request.url) || request.routeOptions.config?.untraced) return done();
    const header = request.headers.traceparent;
    const route = request.routeOptions.url ?? 'unmatched';
    const span = tracer.startSpan(`${request.method} ${route}`, 'server', {
      parent: options.trustTraceparent && typeof header === 'string' ? header : null,
      attributes: { 'http.method': request.method, 'http.route': route, 'request.id': request.id },
    });
    spans.set(request, span);
    withSpan(span, done);
  });
  // The body arrives on the socket's own events, outside the span: enter it again before the handler.
  app.addHook('preHandler', (request, _reply, done) => {
    withSpan(spans.get(request), done);
  });
  app.addHook('onResponse', (request, reply, done) => {
    const span = spans.get(request);
    if (span) {
      span.set('http.status_code', reply.statusCode);
      span.end(reply.statusCode >= 500 ? 'error' : 'ok');
    }
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    spans.get(request)?.set('http.aborted', true).end();
    done();
  });
}
