import { CommonProblems, ConfigError, connectionFailure, sendProblem } from '@mercato/kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { endToEndHeaders } from './hop-by-hop.ts';
import { UPSTREAM_TIMEOUT_MS } from './upstream.ts';

const TIMED_OUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'FST_REPLY_FROM_GATEWAY_TIMEOUT']);
/** undici refused to send what the client gave it: the client's error, as in upstream.ts. */
const REFUSED_TO_SEND = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED', 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH']);

/**
 * `MERCATO_LEGACY_URL` as the base every legacy path is appended to: an http(s) origin with an
 * optional base path (`http://old-shop:8000/shop` sends `/old/page` to `/shop/old/page`), no query,
 * fragment or credentials (they would be sent with every request, or silently dropped).
 */
export function legacyBase(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('MERCATO_LEGACY_URL', 'must be an absolute http(s) URL, e.g. http://127.0.0.1:8000');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError('MERCATO_LEGACY_URL', 'must be an http(s) URL');
  if (url.search || url.hash || url.username || url.password)
    throw new ConfigError('MERCATO_LEGACY_URL', 'must not hold a query, a fragment or credentials');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * Forwards a request for a path the platform does not own to the legacy app, as it came: method,
 * path, query (verbatim), end-to-end headers (with the client's `Host`, since the legacy app served
 * this very site before Mercato) and body, plus `x-request-id` and the client's address appended to
 * `x-forwarded-for`. The gateway adds no credential of its own: the legacy app authenticates its
 * requests itself. Its answer comes back as it is, its headers replacing the gateway's (so its own
 * `Content-Security-Policy`, if it sends one, is the one the browser applies to its pages).
 *
 * No circuit breaker and no retry: the legacy app is one fixed upstream that nothing else depends on;
 * a failure is a 503 (unreachable) or a 504 (no answer within 10 s) for that request only.
 */
export function forwardToLegacy(request: FastifyRequest, reply: FastifyReply, base: string): FastifyReply {
  const url = request.url;
  const queryAt = url.indexOf('?');
  // The query travels beside the path, verbatim (reply-from would decode it and refuse `?q=../x`).
  const pathname = queryAt === -1 ? url : url.slice(0, queryAt);
  const query = queryAt === -1 ? '' : url.slice(queryAt + 1);
  const body = request.body;
  const forwardedFor = [request.headers['x-forwarded-for'], request.ip].filter(Boolean).join(', ');
  try {
    reply.from(`${base}${pathname}`, {
      queryString: () => query,
      timeout: UPSTREAM_TIMEOUT_MS,
      // The raw bytes received, with their content type (see upstream.ts).
      ...(Buffer.isBuffer(body) && body.length > 0
        ? { body, contentType: request.headers['content-type'] ?? 'application/octet-stream' }
        : {}),
      retryDelay: () => null,
      rewriteRequestHeaders: (_request, headers) => ({
        ...endToEndHeaders(headers),
        ...(request.headers.host ? { host: request.headers.host } : {}),
        'x-forwarded-for': forwardedFor,
        'x-request-id': request.id,
      }),
      rewriteHeaders: (headers) => endToEndHeaders(headers),
      onError: (upstreamReply, { error }) => {
        const failed = upstreamReply as unknown as FastifyReply;
        const connection = connectionFailure(error);
        const code = connection?.code ?? (error as { cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code ?? '';
        if (!connection && REFUSED_TO_SEND.has(code)) {
          request.log.info({ code, err: error }, 'request cannot be forwarded to the legacy app as sent');
          sendProblem(failed, CommonProblems.validation, 'This request cannot be forwarded as sent; check its headers.');
          return;
        }
        request.log.warn({ upstream: base, code }, 'legacy app call failed');
        if (!connection && (TIMED_OUT.has(code) || (error as { statusCode?: number }).statusCode === 504)) {
          sendProblem(failed, CommonProblems.upstreamTimeout, 'The legacy app did not answer in time.');
          return;
        }
        failed.header('retry-after', '1');
        sendProblem(failed, CommonProblems.serviceUnavailable, 'The legacy app is unreachable right now; try again shortly.');
      },
    });
  } catch (error) {
    // Refused before anything was sent (reply-from reads a segment such as `..x` as a traversal).
    request.log.info({ err: error }, 'request path cannot be forwarded to the legacy app');
    if (!reply.sent)
      sendProblem(reply, CommonProblems.validation, 'This path cannot be forwarded as sent.', {
        errors: [{ parameter: 'path', detail: 'holds a segment the gateway does not forward' }],
      });
  }
  return reply;
}
