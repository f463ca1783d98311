import { CommonProblems, HttpProblem, queryDecodes } from '@mercato/kit';
import type { FastifyInstance } from 'fastify';

/** Encoded `/`, `\` and NUL: a segment holding one would change meaning once an upstream decodes it. */
const ENCODED_SEPARATOR = /%(2f|5c|00)/i;

/**
 * Why a request path is not canonical, or undefined when it is. The gateway routes, rate-limits and
 * forwards only canonical paths (API.md "Conventions"): `@fastify/reply-from` refuses only `/..` and
 * `../`, and `new URL()` on the upstream side turns `\` into `/` and resolves dot segments, so
 * `/api/cart/x\..\..\internal\carts/<id>` would reach a route the table never names.
 */
export function nonCanonicalReason(url: string): string | undefined {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  if (!path.startsWith('/')) return 'the path must start with "/"';
  if (path.includes('\\')) return 'the path holds a backslash';
  if (path.includes('\0')) return 'the path holds a NUL';
  if (ENCODED_SEPARATOR.test(path)) return 'the path holds an encoded slash, backslash or NUL';
  const segments = path.slice(1).split('/');
  for (const [index, segment] of segments.entries()) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return 'the path holds invalid percent-encoding';
    }
    if (decoded === '.' || decoded === '..') return 'the path holds a "." or ".." segment';
    if (segment === '' && index < segments.length - 1) return 'the path holds an empty segment ("//")';
  }
  // API.md: invalid UTF-8 → 400, so no service ever sees a query that does not decode.
  return queryDecodes(url) ? undefined : 'the query string holds invalid percent-encoding or bytes that are not UTF-8';
}

/** Refuses a non-canonical path (or an undecodable query string) with 400 problem+json before anything else looks at the URL. */
export function installCanonicalPaths(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const reason = nonCanonicalReason(request.raw.url ?? '/');
    if (reason) {
      const parameter = reason.startsWith('the query') ? 'query' : 'path';
      throw new HttpProblem(
        CommonProblems.validation,
        parameter === 'query' ? `${reason[0]?.toUpperCase()}${reason.slice(1)}.` : `Not a canonical path: ${reason}.`,
        {
          extensions: { errors: [{ parameter, detail: reason }] },
        },
      );
    }
  });
}
