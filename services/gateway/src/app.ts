import replyFrom from '@fastify/reply-from';
import type { ServiceDefinition } from '@mercato/kit';
import { healthRoutes, serviceCounts } from './routes/health.routes.ts';
import { proxyRoutes } from './routes/proxy.routes.ts';

/** The gateway: the only public entry. Owns nothing durable. */
export function gatewayDefinition(): ServiceDefinition {
  return {
    name: 'gateway',
    port: { variable: 'GATEWAY_PORT', default: 8080 },
    discovery: true,
    async routes(app, { discovery }) {
      if (!discovery) throw new Error('the gateway needs discovery');
      // Bodies are forwarded byte for byte; the 1 MiB limit still applies here.
      app.removeAllContentTypeParsers();
      app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
      await app.register(replyFrom, {
        undici: { connections: 64, pipelining: 1, keepAliveTimeout: 30_000 },
        disableRequestLogging: true,
      });
      healthRoutes(app, discovery);
      proxyRoutes(app, discovery);
    },
    async readiness({ discovery }) {
      if (!discovery) return { ok: false };
      const { ready, services } = serviceCounts(discovery);
      return { ok: ready, body: { services } };
    },
  };
}
