import { randomBytes } from 'node:crypto';
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { type Static, type TObject, type TProperties, Type } from 'typebox';
import { request } from 'undici';
import { installServiceAuth } from './auth/auth-hook.ts';
import type { ClientCredentials } from './auth/basic-credentials.ts';
import { isJwksProofValid, JWKS_CLIENT_HEADER, JWKS_NONCE_HEADER, JWKS_PROOF_HEADER } from './auth/jwks-proof.ts';
import { secretHash } from './auth/service-clients.ts';
import { ServiceTokens } from './auth/service-tokens.ts';
import { type JwksSource, TokenVerifier } from './auth/token-verifier.ts';
import { installBusMetrics } from './bus/bus-metrics.ts';
import { connectBus } from './bus/connect-bus.ts';
import { consumerHandler } from './bus/consumer.ts';
import type { Subscription } from './bus/subscription.ts';
import { deadLetterRoutes } from './bus/dead-letters.routes.ts';
import type { EventBus } from './bus/event-bus.ts';
import { Outbox } from './bus/outbox.ts';
import { OutboxRelay } from './bus/outbox-relay.ts';
import { BaseConfig, ConfigError, loadConfig } from './config.ts';
import { connectDatabase, type Database, migrate } from './database.ts';
import type { Discovery } from './discovery/discovery.ts';
import { DnsDiscovery } from './discovery/dns-discovery.ts';
import { Registration } from './discovery/registration.ts';
import { RegistryDiscovery } from './discovery/registry-discovery.ts';
import { createHttpApp } from './http-app.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { SERVICE_NAMES } from './service-names.ts';


/** Deliveries handed to a consumer at once (at least pg-boss's fetch batch). */
const DEFAULT_HANDLER_CONCURRENCY = 64;

export interface ServiceContext<P extends TProperties = TProperties> {
  name: string;
  instanceId: string;
  config: BaseConfig & Static<TObject<P>>;
  log: Logger;
  metrics: Metrics;
  /** The service's own database; absent for services that own none (registry, gateway). */
  database: Database<unknown> | undefined;
  /** Other services' instances; present when the definition asks for it. */
  discovery: Discovery | undefined;
  /** Where this service publishes events, inside its own transactions; present with a database. */
  outbox: Outbox | undefined;
  /** The event bus, once started; absent when neither NATS_URL nor BUS_DATABASE_URL is set. */
  bus: EventBus | undefined;
  /** Verifies access tokens (user, or service tokens addressed to this service). */
  verifier: TokenVerifier;
  /** Service tokens for calls to other services; present when this service has client credentials. */
  serviceTokens: ServiceTokens | undefined;
  /** Publishes committed outbox rows now (tests, benchmarks); resolves with how many. */
  flushOutbox(): Promise<number>;
}

export interface ServiceDefinition<P extends TProperties = TProperties> {
  name: string;
  /** The service's own env vars, beyond BaseConfig. */
  config?: TObject<P>;
  /** Folder of numbered `.sql` migrations; set when the service owns a database. */
  migrations?: URL;
  /** The env var that holds the listening port, when not `PORT` (the gateway's is `GATEWAY_PORT`). */
  port?: { variable: string; default: number };
  /** Whether this service must look up others (the gateway does); others get discovery when it is configured. */
  discovery?: boolean;
  /**
   * `service` (default): every call but /health/* needs a token. `edge`: the gateway, which verifies
   * tokens when present and decides per route. `none`: the registry, which every process must reach
   * before it can have a token (keep it on the internal network).
   */
  auth?: 'service' | 'edge' | 'none';
  /** Paths a service answers without a token (identity's JWKS and token endpoint). */
  publicPaths?: readonly string[];
  /** Where verification keys come from; default: identity's JWKS, found through discovery. */
  jwks?: (context: ServiceContext<P>) => JwksSource;
  /** Whether to register with the registry (every service but the registry itself). */
  register?: boolean;
  routes?: (app: FastifyInstance, context: ServiceContext<P>) => void | Promise<void>;
  /** What the service consumes (its `handlers.ts`); handled exactly once per consumer, in a transaction. */
  subscriptions?: (context: ServiceContext<P>) => Subscription[];
  /** An extra readiness check; `/health/ready` is 503 while it answers `ok: false`. `body` adds fields to the answer. */
  readiness?: (context: ServiceContext<P>) => Promise<{ ok: boolean; body?: Record<string, unknown> }>;
  /** Serve HTTPS with this certificate and key (the gateway, from MERCATO_TLS_CERT / MERCATO_TLS_KEY). */
  https?: (context: ServiceContext<P>) => { cert: Buffer; key: Buffer } | undefined;
  /** Runs after migrations and the bus are up, before the port opens (load keys, create first rows). */
  beforeListen?: (context: ServiceContext<P>) => Promise<void>;
  /** Runs after the HTTP server stopped, before the database closes. */
  onStop?: (context: ServiceContext<P>) => Promise<void>;
}

export interface Service<P extends TProperties = TProperties> {
  app: FastifyInstance;
  context: ServiceContext<P>;
  /** Migrates, listens, registers; resolves with the URL the instance is reachable at. */
  start(): Promise<string>;
  /** Deregisters, stops accepting, drains in-flight requests within the shutdown bound, closes pools. */
  stop(): Promise<void>;
}

/** `catalog` → `CATALOG_DATABASE_URL`. */
export function databaseUrlVariable(service: string): string {
  return `${service.toUpperCase().replace(/-/g, '_')}_DATABASE_URL`;
}

const PostgresUrl = Type.String({ pattern: '^postgres(ql)?://' });

export async function createService<P extends TProperties>(
  definition: ServiceDefinition<P>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Service<P>> {
  const base = loadConfig(BaseConfig, env);
  if (definition.port) {
    const portSchema = Type.Object({
      [definition.port.variable]: Type.Integer({ minimum: 0, maximum: 65535, default: definition.port.default }),
    });
    base.PORT = (loadConfig(portSchema, env) as Record<string, number>)[definition.port.variable] ?? definition.port.default;
  }
  const own = definition.config ? loadConfig(definition.config, env) : ({} as Static<TObject<P>>);
  const config = { ...base, ...own } as BaseConfig & Static<TObject<P>>;
  let databaseUrl: string | undefined;
  if (definition.migrations) {
    const variable = databaseUrlVariable(definition.name);
    const schema = Type.Object({ [variable]: PostgresUrl });
    const value = env[variable] ?? env.DATABASE_URL;
    databaseUrl = (loadConfig(schema, { [variable]: value }) as Record<string, string>)[variable];
  }

  const instanceId = config.MERCATO_INSTANCE_ID ?? `${definition.name}-${randomBytes(4).toString('hex')}`;
  const log = createLogger({ service: definition.name, instance: instanceId, level: config.LOG_LEVEL });
  const metrics = createMetrics({ service: definition.name, instance: instanceId });
  const database = databaseUrl ? connectDatabase(databaseUrl, { applicationName: instanceId }) : undefined;
  let discovery: Discovery | undefined;
  if (config.DISCOVERY === 'dns') {
    discovery = new DnsDiscovery({ port: config.MERCATO_DNS_PORT, services: SERVICE_NAMES });
  } else if (config.MERCATO_REGISTRY_URL && definition.auth !== 'none') {
    discovery = new RegistryDiscovery({ registryUrl: config.MERCATO_REGISTRY_URL, log });
  } else if (definition.discovery) {
    throw new ConfigError('MERCATO_REGISTRY_URL', 'is required unless DISCOVERY=dns');
  }
  const credentials: ClientCredentials | undefined = config.MERCATO_CLIENT_SECRET
    ? { clientId: config.MERCATO_CLIENT_ID ?? definition.name, clientSecret: config.MERCATO_CLIENT_SECRET }
    : undefined;
  const serviceTokens = discovery && credentials ? new ServiceTokens({ ...credentials, discovery, log }) : undefined;
  const bus = { current: undefined as EventBus | undefined, relay: undefined as OutboxRelay | undefined };
  const context: ServiceContext<P> = {
    name: definition.name,
    instanceId,
    config,
    log,
    metrics,
    database,
    discovery,
    outbox: database ? new Outbox(definition.name) : undefined,
    get bus() {
      return bus.current;
    },
    flushOutbox: async () => (bus.relay ? bus.relay.flush() : 0),
    serviceTokens,
    verifier: undefined as unknown as TokenVerifier,
  };
  context.verifier = new TokenVerifier({
    source: definition.jwks ? definition.jwks(context) : identityJwks(discovery, credentials),
    issuer: config.MERCATO_ISSUER,
    service: definition.name,
  });
  const subscriptions = definition.subscriptions?.(context) ?? [];
  const handlers = new Map<string, ReturnType<typeof consumerHandler>>();
  const deadLetter = database ? installBusMetrics(metrics, database.pool) : undefined;
  for (const subscription of subscriptions) {
    if (!database) throw new Error(`${definition.name} consumes events but owns no database for its inbox`);
    const consumer = subscription.consumer ?? definition.name;
    handlers.set(
      consumer,
      consumerHandler({
        db: database.db,
        consumer,
        subscription,
        log,
        onDeadLetter: (name, event, reason) => {
          deadLetter?.(name);
          bus.current?.deadLettered?.(name, event, reason);
        },
      }),
    );
  }

  const https = definition.https?.(context);
  const app = createHttpApp({ log, metrics, https, requestTimeoutMs: config.MERCATO_REQUEST_TIMEOUT_MS });
  // Every route's schema becomes the service's OpenAPI document at GET /openapi.json (the gateway merges them at /docs).
  await app.register(swagger, { openapi: { info: { title: `Mercato ${definition.name}`, version: '1' } } });
  // Not at the edge: the gateway's public document is the merged one at /docs (API.md: `/openapi.json` there → 404).
  if (definition.auth !== 'edge') app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  if ((definition.auth ?? 'service') === 'service' && config.MERCATO_AUTH === 'required') {
    installServiceAuth(app, context.verifier, definition.publicPaths ?? [], definition.name);
  }
  let stopping = false;
  // Keep-alive clients would hold a draining server open until the bound: answer in-flight requests with `close`.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (stopping) reply.header('connection', 'close');
    return payload;
  });
  app.get('/health/live', { logLevel: 'warn' }, async () => ({ status: 'live' }));
  app.get('/health/ready', { logLevel: 'warn' }, async (_request, reply) => {
    const checks: Record<string, boolean> = { accepting: !stopping };
    if (database) checks.database = await database.ping();
    const extra = definition.readiness ? await definition.readiness(context) : undefined;
    if (extra) checks.service = extra.ok;
    const ok = Object.values(checks).every(Boolean);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'degraded', ...extra?.body, checks });
  });
  if (database) {
    deadLetterRoutes(app, database.db, async (consumer, envelope) => {
      const handler = handlers.get(consumer);
      if (!handler) throw new Error(`no consumer ${consumer} in this service`);
      return handler.handleNow(envelope);
    });
  }
  await definition.routes?.(app, context);

  let registration: Registration | undefined;
  let started = false;

  return {
    app,
    context,
    async start() {
      if (database && definition.migrations) {
        const applied = [
          ...(await migrate(database.db, new URL('./bus/migrations/', import.meta.url), { table: 'mercato_kit_migration' })),
          ...(await migrate(database.db, definition.migrations)),
        ];
        if (applied.length > 0) log.info({ migrations: applied }, 'applied migrations');
      }
      bus.current = await connectBus(config, log, instanceId);
      if (bus.current && database && databaseUrl) {
        bus.relay = new OutboxRelay({ pool: database.pool, connectionString: databaseUrl, bus: bus.current, log });
        bus.relay.start();
      }
      for (const subscription of subscriptions) {
        const consumer = subscription.consumer ?? definition.name;
        const handler = handlers.get(consumer);
        if (!bus.current || !handler)
          throw new ConfigError('BUS_DATABASE_URL', `is required: ${definition.name} consumes events (or set NATS_URL)`);
        await bus.current.subscribe(
          consumer,
          subscription.events.map((e) => e.type),
          handler.handle,
          // A fetched batch holds distinct subjects: let all of it reach the consumer at once, so it
          // commits as one group rather than as many small groups one after another.
          { concurrency: subscription.concurrency ?? DEFAULT_HANDLER_CONCURRENCY },
        );
      }
      await definition.beforeListen?.(context);
      await app.listen({ port: config.PORT, host: config.MERCATO_HOST });
      started = true;
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.PORT;
      const advertisedHost = config.MERCATO_HOST === '0.0.0.0' || config.MERCATO_HOST === '::' ? '127.0.0.1' : config.MERCATO_HOST;
      const url = config.MERCATO_ADVERTISE_URL ?? `${https ? 'https' : 'http'}://${advertisedHost}:${port}`;
      if (definition.register !== false && config.DISCOVERY === 'registry' && config.MERCATO_REGISTRY_URL) {
        registration = new Registration({
          registryUrl: config.MERCATO_REGISTRY_URL,
          self: { service: definition.name, url, meta: { instanceId, pid: String(process.pid) } },
          heartbeatMs: config.MERCATO_HEARTBEAT_MS,
          credentials,
          log,
        });
        await registration.start();
      }
      if (discovery instanceof RegistryDiscovery) await discovery.ready(3_000);
      log.info({ url }, `${definition.name} listening`);
      return url;
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      // Leave the registry first so callers stop picking this instance while it drains.
      await registration?.stop();
      if (started) {
        const force = setTimeout(() => {
          log.warn({ timeoutMs: config.MERCATO_SHUTDOWN_TIMEOUT_MS }, 'drain bound reached; closing remaining connections');
          app.server.closeAllConnections();
        }, config.MERCATO_SHUTDOWN_TIMEOUT_MS);
        await app.close();
        clearTimeout(force);
      } else {
        await app.close();
      }
      await definition.onStop?.(context);
      await bus.relay?.stop();
      await bus.current?.close();
      discovery?.close();
      await database?.close();
      log.info(`${definition.name} stopped`);
    },
  };
}

/**
 * Identity's public keys, fetched from whichever identity instance discovery knows. With client
 * credentials, the answer must carry identity's proof over a fresh nonce (`jwks-proof.ts`): a rogue
 * instance that got into discovery cannot make the platform trust its keys.
 */
function identityJwks(discovery: Discovery | undefined, credentials: ClientCredentials | undefined): JwksSource {
  return async () => {
    const identity = discovery?.pick('identity');
    if (!identity) throw new Error('no identity instance is known: cannot fetch signing keys');
    const nonce = randomBytes(24).toString('base64url');
    const headers = credentials ? { [JWKS_CLIENT_HEADER]: credentials.clientId, [JWKS_NONCE_HEADER]: nonce } : {};
    const response = await request(`${identity.url}/.well-known/jwks.json`, { headers, headersTimeout: 3_000 });
    const body = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`identity answered ${response.statusCode} for its JWKS`);
    if (credentials) {
      const proof = response.headers[JWKS_PROOF_HEADER];
      const hash = secretHash(credentials.clientSecret);
      if (!isJwksProofValid(hash, nonce, body, typeof proof === 'string' ? proof : undefined)) {
        throw new Error(`the identity instance at ${identity.url} did not prove its key set: its keys are not trusted`);
      }
    }
    return JSON.parse(body) as Awaited<ReturnType<JwksSource>>;
  };
}
