import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController, type RawServerDefault } from 'fastify';
import type { Logger } from 'pino';
import { clientErrorHandler, frameworkErrorHandler, installBareAnswers, shouldUpgrade } from './http/framework-errors.ts';
import { installInputRules } from './http/input-rules.ts';
import { drainUnreadBody, hasUnreadBody } from './http/unread-body.ts';
import { installMetrics, type Metrics } from './metrics.ts';
import { CommonProblems, HttpProblem, installProblemHandlers } from './problem.ts';
import { installServerSpans } from './tracing/server-spans.ts';
import type { Tracer } from './tracing/tracer.ts';

/**
 * The Fastify instance a service's routes are declared on. Its type provider is TypeBox's, so a
 * route's `request.body`, `params` and `query` have the types of the schemas it declares (types only:
 * validation stays the kit's, `http/input-rules.ts`).
 */
export type HttpApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

/** The TLS side of a listener: a certificate and key, and for mutual TLS the CA its callers' certificates must come from. */
export interface HttpsOptions {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  requestCert?: boolean;
  rejectUnauthorized?: boolean;
}

export const BODY_LIMIT_BYTES = 1024 * 1024;

/** A client may name its request (echoed back and logged) with up to 200 visible ASCII characters. */
const CLIENT_REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * Fastify as every service runs it: problem+json errors, request ids, 1 MiB bodies, API.md's input
 * rules (`http/input-rules.ts`: unknown fields rejected, no body coercion, auth before validation),
 * RED metrics and `/metrics`.
 */
/** A request must arrive whole (headers and body) within this bound, else 408 (a slow client holds no connection). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Its headers within this one. */
const HEADERS_TIMEOUT_MS = 10_000;

export function createHttpApp(options: {
  log: Logger;
  metrics: Metrics;
  /** HTTPS; with `ca`, `requestCert` and `rejectUnauthorized` a caller must show a certificate from `ca` (http/internal-tls.ts). */
  https?: HttpsOptions;
  requestTimeoutMs?: number;
  /** Server spans for every request; `trustTraceparent: false` at the edge (see tracing/server-spans.ts). */
  tracing?: { tracer: Tracer; trustTraceparent: boolean };
}): HttpApp {
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const fastify = Fastify({
    // Node's answer to an HTTP/1.1 request without Host is a bare 400: the check is a hook below instead.
    ...(options.https ? { https: { ...options.https, requireHostHeader: false } } : {}),
    requestTimeout,
    // Node checks those bounds this often (its default, 30 s, would let a slow client stay twice as long).
    http: {
      headersTimeout: Math.min(HEADERS_TIMEOUT_MS, requestTimeout),
      connectionsCheckingInterval: 1_000,
      requireHostHeader: false,
      shouldUpgradeCallback: shouldUpgrade,
    },
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    loggerInstance: options.log,
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    genReqId: requestIdOf,
    bodyLimit: BODY_LIMIT_BYTES,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  }) as unknown as FastifyInstance;
  // The same instance, typed: a route's request types follow from its schemas.
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  // First, so every later hook (auth, rate limits, input rules) runs inside the request's span.
  if (options.tracing) installServerSpans(app, options.tracing.tracer, { trustTraceparent: options.tracing.trustTraceparent });
  installInputRules(app);
  installBareAnswers(app, requestIdOf);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // RFC 9112 §3.2: an HTTP/1.1 request must name its host.
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      throw new HttpProblem(CommonProblems.validation, 'An HTTP/1.1 request must carry a Host header.', {
        extensions: { errors: [{ header: 'host', detail: 'is required' }] },
        headers: { connection: 'close' },
      });
    }
  });
  installProblemHandlers(app);
  // A handler may answer without reading a body it was sent (a GET's, one of a route that takes none):
  // the rest is read before the answer goes out, so the connection is not reset under the client.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (!hasUnreadBody(request.raw)) return done(null, payload);
    void drainUnreadBody(request.raw).then((drained) => {
      if (!drained) reply.header('connection', 'close');
      done(null, payload);
    });
  });
  installMetrics(app, options.metrics);
  return app;
}
