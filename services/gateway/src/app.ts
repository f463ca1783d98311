import { readFileSync } from 'node:fs';
import replyFrom from '@fastify/reply-from';
import { GATEWAY_OPS_CLIENT, processesOf } from '@mercato/contracts';
import { ConfigError, defineService, internalClientTls, ServiceTokens } from '@mercato/kit';
import { webDistDir } from '@mercato/web';
import { Type } from 'typebox';
import { installCanonicalPaths } from './canonical-path.ts';
import { ControlClient } from './control-client.ts';
import { installEdgeAuth } from './edge-auth.ts';
import { legacyBase } from './legacy-upstream.ts';
import { OpsClient } from './ops-client.ts';
import { OpsEvents } from './ops-events.ts';
import { OpsMetrics } from './ops-metrics.ts';
import { ProductViews } from './product-views.ts';
import { installRateLimits } from './rate-limits.ts';
import { CACHED_LISTINGS, catalogListingRoutes } from './routes/catalog-listing.routes.ts';
import { docsRoutes } from './routes/docs.routes.ts';
import { healthRoutes, serviceCounts } from './routes/health.routes.ts';
import { opsRoutes } from './routes/ops.routes.ts';
import { opsEventRoutes } from './routes/ops-events.routes.ts';
import { opsScalingRoutes } from './routes/ops-scaling.routes.ts';
import { opsTraceRoutes } from './routes/ops-traces.routes.ts';
import { proxyRoutes } from './routes/proxy.routes.ts';
import { storefrontRoutes } from './routes/storefront.routes.ts';
import { webAppRoutes } from './routes/web-app.routes.ts';
import { installSecurityHeaders } from './security-headers.ts';
import { isLegacyPath } from './web-paths.ts';

const GatewayConfig = Type.Object({
  MERCATO_RATE_LIMIT_ANON: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 1200 }),
  MERCATO_RATE_LIMIT_USER: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 1200 }),
  MERCATO_RATE_LIMIT_AUTH: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 30 }),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  /** Comma-separated origins allowed to call the API from a browser (CORS); empty: same origin only. */
  MERCATO_CORS_ORIGINS: Type.String({ default: '' }),
  /** PEM files: when both are set the gateway serves HTTPS. */
  MERCATO_TLS_CERT: Type.Optional(Type.String({ minLength: 1 })),
  MERCATO_TLS_KEY: Type.Optional(Type.String({ minLength: 1 })),
  /** The `gateway-ops` client's secret: the only credential the gateway gathers ops data with. */
  MERCATO_OPS_CLIENT_SECRET: Type.Optional(Type.String({ minLength: 1 })),
  /** How long a composed product page is reused for other shoppers; 0 composes every view. */
  GATEWAY_STOREFRONT_CACHE_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 1000 }),
  /** How long the gateway reuses a catalog listing or search answer (API.md: listings show a change within 1 s); 0 forwards every one. */
  GATEWAY_LISTING_CACHE_MS: Type.Integer({ minimum: 0, maximum: 1_000, default: 500 }),
  /** Product views held while the bus is slow or away (about 200 bytes each); past it the oldest are dropped and counted. */
  GATEWAY_VIEWS_BUFFER: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10_000 }),
  /** The built web app (`index.html`, `assets/`) the gateway serves at the page paths of API.md. */
  MERCATO_WEB_DIR: Type.String({ minLength: 1, default: webDistDir }),
  /** The app Mercato replaces: every path neither the platform nor the web app owns is forwarded there. */
  MERCATO_LEGACY_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** The platform's control loop (`mercato up`'s supervisor, the Kubernetes controller): its events and scaling state. */
  MERCATO_CONTROL_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
});

/** The topology says where the gateway listens: `mercato up` checks and passes the same variable. */
const GATEWAY_PORT = processesOf('gateway')[0]?.port;

/** The gateway: the only public entry. Owns nothing durable. */
export function gatewayDefinition() {
  return defineService({
    name: 'gateway',
    config: GatewayConfig,
    port: GATEWAY_PORT,
    discovery: true,
    auth: 'edge',
    https({ config }) {
      if (!config.MERCATO_TLS_CERT && !config.MERCATO_TLS_KEY) return undefined;
      if (!config.MERCATO_TLS_CERT || !config.MERCATO_TLS_KEY)
        throw new ConfigError('MERCATO_TLS_KEY', 'and MERCATO_TLS_CERT must be set together');
      try {
        return { cert: readFileSync(config.MERCATO_TLS_CERT), key: readFileSync(config.MERCATO_TLS_KEY) };
      } catch (error) {
        throw new ConfigError('MERCATO_TLS_CERT', `or MERCATO_TLS_KEY cannot be read (${(error as Error).message})`);
      }
    },
    setup({ config, discovery, log, metrics, tracer, internalDispatcher: dispatcher }) {
      const opsTokens = config.MERCATO_OPS_CLIENT_SECRET
        ? new ServiceTokens({ clientId: GATEWAY_OPS_CLIENT, clientSecret: config.MERCATO_OPS_CLIENT_SECRET, discovery, log, dispatcher })
        : undefined;
      // What the platform does by itself: the alert evaluation and anomaly detection record into it, and the control loop's events are kept in it.
      const opsEvents = new OpsEvents();
      const control = config.MERCATO_CONTROL_URL
        ? new ControlClient({ url: config.MERCATO_CONTROL_URL, clientSecret: config.MERCATO_OPS_CLIENT_SECRET, log, dispatcher })
        : undefined;
      // Published on the bus the kit connects at start (NATS_URL or BUS_DATABASE_URL), from beforeListen on.
      const views = new ProductViews({ log, metrics, tracer: tracer.enabled ? tracer : undefined, capacity: config.GATEWAY_VIEWS_BUFFER });
      return {
        opsTokens,
        opsEvents,
        views,
        control,
        opsMetrics: new OpsMetrics({
          discovery,
          tokens: opsTokens,
          log,
          events: opsEvents,
          dispatcher,
          control,
        }),
      };
    },
    async routes(
      app,
      { opsTokens, opsMetrics, opsEvents, views, control },
      { discovery, config, verifier, serviceTokens, serviceClient, tracer, internalTls, internalDispatcher },
    ) {
      const legacy = config.MERCATO_LEGACY_URL === undefined ? undefined : legacyBase(config.MERCATO_LEGACY_URL);
      await installSecurityHeaders(
        app,
        config.MERCATO_CORS_ORIGINS.split(',')
          .map((o) => o.trim())
          .filter(Boolean),
        Boolean(config.MERCATO_TLS_CERT && config.MERCATO_TLS_KEY),
      );
      // Before anything reads the URL: routes, rate-limit buckets and the forwarded path see canonical paths only.
      installCanonicalPaths(app);
      // A legacy app's requests carry its own credentials, which are not the platform's to check.
      installEdgeAuth(app, verifier, legacy ? (request) => isLegacyPath(request.url) : undefined);
      await installRateLimits(
        app,
        { anonymous: config.MERCATO_RATE_LIMIT_ANON, user: config.MERCATO_RATE_LIMIT_USER, auth: config.MERCATO_RATE_LIMIT_AUTH },
        config.REDIS_URL,
      );
      // Bodies are forwarded byte for byte; the 1 MiB limit still applies here.
      app.removeAllContentTypeParsers();
      app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
      await app.register(replyFrom, {
        // MERCATO_INTERNAL_TLS=on: the gateway's certificate, and only the platform CA's servers trusted
        // (reply-from's own default would not verify an https upstream at all).
        undici: {
          connections: 64,
          pipelining: 1,
          keepAliveTimeout: 30_000,
          ...(internalTls ? { connect: internalClientTls(internalTls) } : {}),
        },
        disableRequestLogging: true,
      });
      healthRoutes(app, discovery);
      storefrontRoutes(app, serviceClient(), { cacheMs: config.GATEWAY_STOREFRONT_CACHE_MS, views });
      const cachesListings = config.GATEWAY_LISTING_CACHE_MS > 0;
      if (cachesListings) catalogListingRoutes(app, serviceClient(), { cacheMs: config.GATEWAY_LISTING_CACHE_MS });
      await docsRoutes(app, discovery, opsTokens, internalDispatcher);
      opsRoutes(app, discovery, opsTokens, opsMetrics, internalDispatcher);
      opsEventRoutes(app, opsEvents);
      opsScalingRoutes(app, discovery, control);
      opsTraceRoutes(app, new OpsClient(discovery, opsTokens, app.log, internalDispatcher), tracer.store);
      proxyRoutes(app, discovery, serviceTokens, { readsServedElsewhere: cachesListings ? CACHED_LISTINGS : [] });
      await webAppRoutes(app, { dir: config.MERCATO_WEB_DIR, legacyBase: legacy });
    },
    async beforeListen({ opsMetrics, views }, { bus }) {
      opsMetrics.start();
      views.start(bus);
    },
    async onStop({ opsMetrics, views }) {
      opsMetrics.stop();
      // After the last request has been answered (the kit closed the server), before the bus closes.
      await views.stop();
    },
    async readiness(_deps, { discovery }) {
      const { ready, services } = serviceCounts(discovery);
      return { ok: ready, body: { services } };
    },
  });
}
