import type { Instance } from '@mercato/contracts';
import {
  CommonProblems,
  connectionFailure,
  currentSpan,
  type Discovery,
  IDEMPOTENT_METHODS,
  sendProblem,
  UpstreamUnavailableError,
} from '@mercato/kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { endToEndHeaders } from './hop-by-hop.ts';
import { resilienceFor } from './resilience.ts';

const TIMED_OUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'FST_REPLY_FROM_GATEWAY_TIMEOUT']);
/** undici refused to send what the client gave it: the client's error, answered 400, never the service's failure. */
const REFUSED_TO_SEND = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED', 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH']);

function errorCode(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? (error as { code?: string }).code ?? '';
}

/** Upstream answer time bound: a slow service becomes a 504, never a hung client. */
export const UPSTREAM_TIMEOUT_MS = 10_000;

/**
 * How long an idempotent request waits for an instance when its service has none it can reach: the
 * supervisor restarts a killed instance after 0.5 s and it registers 2–3 s later (`mercato chaos`
 * measured reads failing 1.3 % of the time without the wait, with one instance of each service).
 * A write never waits: it is answered 503 at once, and the client retries with its Idempotency-Key.
 * An idempotent request whose connection broke waits this long from the break, however long it had
 * been in flight (`?wait=` long polls on orders: counted from their start, the ones a kill broke
 * failed and opened the circuit, `npm run bench -- chaos --seed 6`).
 */
export const WAIT_FOR_INSTANCE_MS = 5_000;
const WAIT_STEP_MS = 100;
/**
 * Only a service seen this recently is waited for: one gone for longer (a crash loop, a service not
 * deployed) is answered 503 at once rather than every page waiting 5 s on it.
 */
const RECENTLY_SEEN_MS = 30_000;

/** An instance of `service` not in `tried`, as soon as discovery knows one, or undefined after `deadline`. */
async function instanceBy(
  pick: (service: string, tried?: ReadonlySet<string>) => Instance | undefined,
  service: string,
  tried: ReadonlySet<string>,
  deadline: number,
): Promise<Instance | undefined> {
  for (;;) {
    const instance = pick(service, tried);
    if (instance || Date.now() >= deadline) return instance;
    await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
  }
}

export interface ForwardOptions {
  /** Headers added to the forwarded request, replacing the client's of the same name (e.g. `authorization`). */
  headers?: Record<string, string>;
}

/**
 * Forwards the request as it came (method, path, query, headers, body) to one instance of `service`.
 *
 * Resilience (see resilience.ts): while the service's circuit is open the answer is an immediate 503
 * with `Retry-After` and the upstream is not called; after the pause one request probes it. An
 * idempotent request whose connection fails before an answer (refused, reset, connect timeout) is
 * sent once more to another instance. Only upstream failures count against the circuit: 5xx answers,
 * connection failures, timeouts and broken answers; the client gets the upstream's answer, a 503, or a
 * 504 when an attempt takes over 10 s (an idempotent request, with its waits for an instance and its
 * second attempt, is answered within 25 s). A client's error (a header that cannot be forwarded) is a 400 and counts for nothing.
 */
export function forward(
  discovery: Discovery,
  service: string,
  request: FastifyRequest,
  reply: FastifyReply,
  path = request.url,
  options: ForwardOptions = {},
): FastifyReply {
  const resilience = resilienceFor(discovery, request.server.log);
  const idempotent = IDEMPOTENT_METHODS.has(request.method);
  const waitUntil = Date.now() + (idempotent ? WAIT_FOR_INSTANCE_MS : 0);
  const recentlySeen = Date.now() - (resilience.lastSeen.get(service) ?? Number.NEGATIVE_INFINITY) < RECENTLY_SEEN_MS;
  const pick = (name: string, tried?: ReadonlySet<string>) => resilience.picker.pick(name, tried);
  const noInstance = () => {
    reply.header('retry-after', '1');
    return sendProblem(reply, CommonProblems.serviceUnavailable, `No instance of ${service} is available; try again shortly.`, { service });
  };
  const first = resilience.picker.pick(service);
  if (first) resilience.lastSeen.set(service, Date.now());
  if (!first) {
    if (!idempotent || !recentlySeen) return noInstance();
    void instanceBy(pick, service, new Set(), waitUntil)
      .then((instance) => {
        if (reply.sent || reply.raw.destroyed) return;
        if (instance) forwardTo(instance);
        else noInstance();
      })
      .catch((error: unknown) => {
        request.log.error({ err: error, service }, 'forwarding failed');
        if (!reply.sent) sendProblem(reply, CommonProblems.internal, 'Something went wrong on our side; it has been logged.');
      });
    return reply;
  }
  forwardTo(first);
  return reply;

  function forwardTo(first: Instance): void {
    const extraHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(options.headers ?? {})) extraHeaders[name.toLowerCase()] = value;
    const body = request.body;
    // reply-from decodes the whole source URL and refuses one that reads as a traversal: a query such as
    // `?q=../x` (API.md: the canonical-path rule covers the path only) threw before any I/O and came back
    // as a 500 that counted against the service. The query travels verbatim beside the path instead.
    const queryAt = path.indexOf('?');
    const pathname = queryAt === -1 ? path : path.slice(0, queryAt);
    const query = queryAt === -1 ? '' : path.slice(queryAt + 1);
    const maxAttempts = idempotent ? resilience.attempts : 1;
    // The hop to the service is a client span under the request's; a client's own traceparent is never passed on.
    const span = currentSpan()?.sink.startSpan(`${request.method} ${service}`, 'client', {
      attributes: { 'peer.service': service, 'http.method': request.method, 'http.target': pathname },
    });
    const traceHeaders: Record<string, string> = span ? { traceparent: span.traceparent } : {};

    const exchange = () =>
      new Promise<{ failed: boolean }>((settle) => {
        let settled = false;
        const done = (failed: boolean) => {
          if (settled) return;
          settled = true;
          span?.end(failed ? 'error' : 'ok');
          settle({ failed });
        };
        // A client that goes away before the answer gets neither hook below; the breaker must still hear back.
        reply.raw.once('close', () => done(false));
        const tried = new Set<string>();
        const send = (instance: Instance) => {
          tried.add(instance.url);
          try {
            sendTo(instance);
          } catch (error) {
            // Refused before anything was sent (reply-from takes a canonical segment such as `...` or `..x`
            // for a traversal): the request's fault, never the service's.
            done(false);
            request.log.info({ service, err: error }, 'request path cannot be forwarded');
            if (!reply.sent)
              sendProblem(reply, CommonProblems.validation, 'This path cannot be forwarded as sent.', {
                errors: [{ parameter: 'path', detail: 'holds a segment the gateway does not forward' }],
              });
          }
        };
        const sendTo = (instance: Instance) => {
          reply.from(`${instance.url}${pathname}`, {
            queryString: () => query,
            timeout: UPSTREAM_TIMEOUT_MS,
            // The body is the raw bytes received; passed with its content type, reply-from sends it unchanged
            // (left to itself it would JSON-encode a Buffer into {"type":"Buffer",...}).
            ...(Buffer.isBuffer(body) && body.length > 0
              ? { body, contentType: request.headers['content-type'] ?? 'application/octet-stream' }
              : {}),
            // reply-from's own retries go to the same instance (and repeat a GET answered 503 up to ten
            // times, piling onto an overloaded service); retries here go to another instance.
            retryDelay: () => null,
            rewriteRequestHeaders: (_request, headers) => {
              const { traceparent: _theirs, tracestate: _theirState, ...rest } = endToEndHeaders(headers);
              return { ...rest, ...extraHeaders, ...traceHeaders, 'x-request-id': request.id };
            },
            // The service's `connection: keep-alive` is its hop to us: passed on, it kept a client's `Connection: close` open.
            rewriteHeaders: (headers) => endToEndHeaders(headers),
            onResponse: (_request, upstreamReply, response) => {
              span?.set('http.status_code', response.statusCode);
              resilience.picker.markReachable(instance.url);
              done(response.statusCode >= 500);
              upstreamReply.send(response.stream);
            },
            onError: (upstreamReply, { error }) => {
              const failed = upstreamReply as unknown as FastifyReply;
              const connection = connectionFailure(error);
              if (connection?.phase === 'connect') resilience.picker.markUnreachable(instance.url);
              if (connection && tried.size < maxAttempts && !failed.sent) {
                // Another instance now, or (a single instance that went away) its replacement within the wait.
                // The wait counts from the failure (a long poll broken after seconds in flight still gets the
                // whole of it), within one attempt's time of the first wait's end: at most 25 s all told.
                void instanceBy(pick, service, tried, Math.min(Date.now() + WAIT_FOR_INSTANCE_MS, waitUntil + UPSTREAM_TIMEOUT_MS))
                  .then((next) => {
                    if (next && !failed.sent && !reply.raw.destroyed) {
                      request.log.warn(
                        { service, upstream: instance.url, code: connection.code, next: next.url },
                        'upstream connection failed; retrying',
                      );
                      send(next);
                    } else fail(instance, failed, error, connection);
                  })
                  .catch(() => fail(instance, failed, error, connection));
                return;
              }
              fail(instance, failed, error, connection);
            },
          });
        };
        /** The answer when no instance took the request: 400 for what cannot be sent, 504 after a timeout, else 503. */
        const fail = (instance: Instance, failed: FastifyReply, error: unknown, connection: ReturnType<typeof connectionFailure>) => {
          const code = connection?.code ?? errorCode(error);
          if (!connection && REFUSED_TO_SEND.has(code)) {
            done(false);
            request.log.info({ service, code, err: error }, 'request cannot be forwarded as sent');
            sendProblem(failed, CommonProblems.validation, 'This request cannot be forwarded as sent; check its headers.');
            return;
          }
          done(true);
          request.log.warn({ service, upstream: instance.url, code }, 'upstream call failed');
          if (!connection && (TIMED_OUT.has(code) || (error as { statusCode?: number }).statusCode === 504)) {
            sendProblem(failed, CommonProblems.upstreamTimeout, `${service} did not answer in time.`, { service });
            return;
          }
          failed.header('retry-after', '1');
          const detail = connection ? `${service} is unreachable right now; try again shortly.` : `${service} failed to answer.`;
          sendProblem(failed, CommonProblems.serviceUnavailable, detail, { service });
        };
        send(first);
      });

    resilience.breakers
      .for(service)
      .run(exchange, { isFailure: (outcome) => outcome.failed })
      .catch((error: unknown) => {
        span?.fail((error as Error)?.message ?? String(error)).end();
        if (reply.sent) return;
        if (error instanceof UpstreamUnavailableError) {
          reply.header('retry-after', String(error.retryAfterSeconds));
          sendProblem(reply, CommonProblems.serviceUnavailable, error.detail, { service });
          return;
        }
        request.log.error({ err: error, service }, 'forwarding failed');
        sendProblem(reply, CommonProblems.internal, 'Something went wrong on our side; it has been logged.');
      });
  }
}
