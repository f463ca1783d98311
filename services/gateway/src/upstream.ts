import { CommonProblems, type Discovery, sendProblem } from '@mercato/kit';
import type { FastifyReply, FastifyRequest } from 'fastify';

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'EPIPE',
]);
const TIMED_OUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'FST_REPLY_FROM_GATEWAY_TIMEOUT']);

/** Upstream answer time bound: a slow service becomes a 504, never a hung client. */
export const UPSTREAM_TIMEOUT_MS = 10_000;

/** Forwards the request as it came (method, path, query, headers, body) to one instance of `service`. */
export function forward(
  discovery: Discovery,
  service: string,
  request: FastifyRequest,
  reply: FastifyReply,
  path = request.url,
): FastifyReply {
  const instance = discovery.pick(service);
  if (!instance) {
    return sendProblem(reply, CommonProblems.serviceUnavailable, `No instance of ${service} is available; try again shortly.`, {
      service,
    }).header('retry-after', '1');
  }
  const body = request.body;
  return reply.from(`${instance.url}${path}`, {
    timeout: UPSTREAM_TIMEOUT_MS,
    // The body is the raw bytes received; passed with its content type, reply-from sends it unchanged
    // (left to itself it would JSON-encode a Buffer into {"type":"Buffer",...}).
    ...(Buffer.isBuffer(body) && body.length > 0
      ? { body, contentType: request.headers['content-type'] ?? 'application/octet-stream' }
      : {}),
    rewriteRequestHeaders: (_request, headers) => ({ ...headers, 'x-request-id': request.id }),
    onError: (upstreamReply, { error }) => {
      const failed = upstreamReply as unknown as FastifyReply;
      const cause = (error as { cause?: { code?: string } }).cause;
      const code = cause?.code ?? (error as { code?: string }).code ?? '';
      request.log.warn({ service, upstream: instance.url, code }, 'upstream call failed');
      if (TIMED_OUT.has(code) || (error as { statusCode?: number }).statusCode === 504) {
        return sendProblem(failed, CommonProblems.upstreamTimeout, `${service} did not answer in time.`, { service });
      }
      const detail = UNREACHABLE.has(code) ? `${service} is unreachable right now; try again shortly.` : `${service} failed to answer.`;
      return sendProblem(failed, CommonProblems.serviceUnavailable, detail, { service }).header('retry-after', '1');
    },
  });
}
