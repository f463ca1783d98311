import type { Discovery } from '@mercato/kit';
import type { FastifyInstance } from 'fastify';
import { ROUTE_TABLE } from '../route-table.ts';
import { forward } from '../upstream.ts';

/** Every public API path is forwarded to the service that owns it (server-side discovery). */
export function proxyRoutes(app: FastifyInstance, discovery: Discovery): void {
  for (const { prefix, service } of ROUTE_TABLE) {
    const handler = (request: Parameters<typeof forward>[2], reply: Parameters<typeof forward>[3]) =>
      forward(discovery, service, request, reply);
    app.all(prefix, handler);
    app.all(`${prefix}/*`, handler);
  }
}
