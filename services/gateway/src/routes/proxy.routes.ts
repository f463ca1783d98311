import type { Discovery, HttpApp, ServiceTokens } from '@mercato/kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ROUTE_TABLE } from '../route-table.ts';
import { forward } from '../upstream.ts';

/**
 * Headers the gateway adds to a forwarded call: the shopper's own token travels as it came (the
 * service verifies it again); an anonymous call carries the gateway's service token instead, since
 * every service port refuses unauthenticated calls. `x-forwarded-for` tells identity who is signing in.
 */
export async function upstreamHeaders(
  request: FastifyRequest,
  service: string,
  tokens: ServiceTokens | undefined,
): Promise<Record<string, string>> {
  const headers: Record<string, string> = { 'x-forwarded-for': request.ip };
  if (request.principal?.kind !== 'user' && tokens) headers.authorization = `Bearer ${await tokens.tokenFor(service)}`;
  return headers;
}

const FORWARDED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
const WRITE_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'];

/** Every public API path is forwarded to the service that owns it (server-side discovery). */
export function proxyRoutes(
  app: HttpApp,
  discovery: Discovery,
  tokens: ServiceTokens | undefined,
  options: { readsServedElsewhere?: readonly string[] } = {},
): void {
  const readsElsewhere = new Set(options.readsServedElsewhere ?? []);
  for (const { prefix, service } of ROUTE_TABLE) {
    const handler = async (request: FastifyRequest, reply: FastifyReply) =>
      forward(discovery, service, request, reply, request.url, { headers: await upstreamHeaders(request, service, tokens) });
    // Not OPTIONS: CORS preflights are the gateway's to answer (@fastify/cors), never a service's.
    // The query goes to the service, whose schema checks it.
    for (const url of [prefix, `${prefix}/*`]) {
      // Reads the gateway answers itself (the listing cache) are not forwarded; the path's writes are.
      const method = readsElsewhere.has(url) ? WRITE_METHODS : FORWARDED_METHODS;
      app.route({ method, url, handler, config: { anyQuery: true } });
    }
  }
}
