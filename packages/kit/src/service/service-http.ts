import swagger from '@fastify/swagger';
import { installServiceAuth } from '../auth/auth-hook.ts';
import type { TokenVerifier } from '../auth/token-verifier.ts';
import { deadLetterRoutes } from '../bus/dead-letters.routes.ts';
import type { BaseConfig } from '../config.ts';
import type { Database } from '../database.ts';
import { createHttpApp, type HttpApp, type HttpsOptions } from '../http-app.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { Tracer } from '../tracing/tracer.ts';
import { traceRoutes } from '../tracing/traces.routes.ts';
import type { Consumers } from './consumers.ts';

/**
 * The HTTP side every service has before its own routes: the OpenAPI document, service auth,
 * `connection: close` while draining, `/health/live` and `/health/ready`, and the dead letters.
 */
export async function createServiceHttp(options: {
  name: string;
  auth: 'service' | 'edge' | 'none';
  publicPaths: readonly string[];
  config: BaseConfig;
  log: Logger;
  metrics: Metrics;
  tracer: Tracer;
  /** Server spans for every request (see ServiceDefinition.traced). */
  traced: boolean;
  https: HttpsOptions | undefined;
  verifier: TokenVerifier;
  database: Database<unknown> | undefined;
  consumers: Consumers;
  /** True once the service is stopping. */
  stopping: () => boolean;
  /** The service's own readiness check, if any. */
  readiness: (() => Promise<{ ok: boolean; body?: Record<string, unknown> }>) | undefined;
}): Promise<HttpApp> {
  const { config, database, stopping } = options;
  const app = createHttpApp({
    log: options.log,
    metrics: options.metrics,
    https: options.https,
    requestTimeoutMs: config.MERCATO_REQUEST_TIMEOUT_MS,
    tracing: options.traced ? { tracer: options.tracer, trustTraceparent: options.auth !== 'edge' } : undefined,
  });
  // Every route's schema becomes the service's OpenAPI document at GET /openapi.json (the gateway merges them at /docs).
  await app.register(swagger, { openapi: { info: { title: `Mercato ${options.name}`, version: '1' } } });
  // Not at the edge: the gateway's public document is the merged one at /docs (API.md: `/openapi.json` there → 404).
  if (options.auth !== 'edge') app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  if (options.auth === 'service' && config.MERCATO_AUTH === 'required') {
    installServiceAuth(app, options.verifier, options.publicPaths, options.name);
  }
  // Keep-alive clients would hold a draining server open until the bound: answer in-flight requests with `close`.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (stopping()) reply.header('connection', 'close');
    return payload;
  });
  app.get('/health/live', { logLevel: 'warn' }, async () => ({ status: 'live' }));
  app.get('/health/ready', { logLevel: 'warn' }, async (_request, reply) => {
    const checks: Record<string, boolean> = { accepting: !stopping() };
    if (database) checks.database = await database.ping();
    const extra = options.readiness ? await options.readiness() : undefined;
    if (extra) checks.service = extra.ok;
    const ok = Object.values(checks).every(Boolean);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'degraded', ...extra?.body, checks });
  });
  traceRoutes(app, options.tracer.store);
  if (database) deadLetterRoutes(app, database.db, (consumer, envelope) => options.consumers.handleNow(consumer, envelope));
  return app;
}
