import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Sends a catalog read with a weak ETag (a hash of the exact body, so any change to what the client
 * would see changes it) and `Cache-Control`; `If-None-Match` naming the current ETag gets 304, no body.
 */
export function sendCacheable(request: FastifyRequest, reply: FastifyReply, body: unknown, cacheControl: string): FastifyReply {
  return sendWithEtag(request, reply, JSON.stringify(body), 'application/json; charset=utf-8', cacheControl);
}

/** The same for a body that is text already (an SVG picture). */
export function sendWithEtag(
  request: FastifyRequest,
  reply: FastifyReply,
  text: string,
  contentType: string,
  cacheControl: string,
): FastifyReply {
  const etag = `W/"${createHash('sha256').update(text).digest('base64url').slice(0, 32)}"`;
  reply.header('etag', etag).header('cache-control', cacheControl);
  if (matches(request.headers['if-none-match'], etag)) return reply.code(304).send();
  return reply.type(contentType).send(text);
}

/** RFC 9110 weak comparison: `W/` is ignored, `*` matches any current representation. */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const opaque = etag.replace(/^W\//, '');
  return header.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag.replace(/^W\//, '') === opaque;
  });
}
