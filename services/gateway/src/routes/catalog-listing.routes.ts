import type { HttpApp, ServiceClient } from '@mercato/kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MicroCache } from '../micro-cache.ts';

/** The catalog's public reads that list (API.md: a change shows in listings and search within 1 s). */
export const CACHED_LISTINGS = ['/api/products', '/api/categories'] as const;

/** One answer of the catalog, as the gateway passes it on. */
interface Listing {
  status: number;
  text: string;
  contentType: string;
  etag: string | undefined;
  cacheControl: string | undefined;
}

const header = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/** RFC 9110 weak comparison, as the catalog does it: `W/` is ignored, `*` matches. */
function matches(ifNoneMatch: string | undefined, etag: string | undefined): boolean {
  if (!ifNoneMatch || !etag) return false;
  const opaque = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag.replace(/^W\//, '') === opaque;
  });
}

/**
 * `GET /api/products` (listings and search) and `GET /api/categories`, answered by the gateway from
 * a short cache of the catalog's answers (`GATEWAY_LISTING_CACHE_MS`, 500 ms by default; 0 turns it
 * off), with single flight: a burst of shoppers on one listing costs the catalog one query. The
 * answers are public — the same for every caller — and only 200s are kept. A catalog write through
 * this gateway (a product created, changed or archived) empties the cache at once; one through
 * another gateway instance shows within the TTL, inside API.md's 1 s.
 */
export function catalogListingRoutes(app: HttpApp, client: ServiceClient, options: { cacheMs: number }) {
  const listings = new MicroCache<Listing>({ ttlMs: options.cacheMs, maxEntries: 5_000 });

  const load = async (request: FastifyRequest): Promise<Listing> => {
    // Unreachable or late: the client throws 503/504 problems, which the error handler sends.
    const answer = await client.request('catalog', { method: 'GET', path: request.url, headers: { 'x-request-id': request.id } });
    return {
      status: answer.status,
      text: answer.body === undefined ? '' : JSON.stringify(answer.body),
      contentType: header(answer.headers['content-type']) ?? 'application/json; charset=utf-8',
      etag: header(answer.headers.etag),
      cacheControl: header(answer.headers['cache-control']),
    };
  };

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    // The canonical URL, query included, is the key (canonical-path.ts has normalised the path).
    const listing = await listings.get(
      request.url,
      () => load(request),
      (answer) => answer.status === 200,
    );
    if (listing.etag) reply.header('etag', listing.etag);
    if (listing.cacheControl) reply.header('cache-control', listing.cacheControl);
    if (listing.status === 200 && matches(header(request.headers['if-none-match']), listing.etag)) return reply.code(304).send();
    return reply.code(listing.status).type(listing.contentType).send(listing.text);
  };

  for (const url of CACHED_LISTINGS) app.route({ method: ['GET', 'HEAD'], url, handler, config: { anyQuery: true } });

  // Writes to the catalog pass through here on their way to it: once one is answered, listings are read afresh.
  app.addHook('onResponse', async (request) => {
    if (request.method === 'GET' || request.method === 'HEAD') return;
    const path = request.url.split('?')[0] ?? '';
    if (CACHED_LISTINGS.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) listings.clear();
  });
}
