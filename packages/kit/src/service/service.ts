import { randomBytes } from 'node:crypto';
import type { TProperties } from 'typebox';
import { Agent, type Dispatcher } from 'undici';
import type { ClientCredentials } from '../auth/basic-credentials.ts';
import { ServiceTokens } from '../auth/service-tokens.ts';
import { TokenVerifier } from '../auth/token-verifier.ts';
import { installBusMetrics } from '../bus/bus-metrics.ts';
import { connectBus } from '../bus/connect-bus.ts';
import type { EventBus } from '../bus/event-bus.ts';
import { Outbox } from '../bus/outbox.ts';
import { OutboxRelay } from '../bus/outbox-relay.ts';
import { type BaseConfig, ConfigError } from '../config.ts';
import { installPoolMetrics } from '../database/pool-metrics.ts';
import { connectDatabase, type Database } from '../database.ts';
import type { Discovery } from '../discovery/discovery.ts';
import { DnsDiscovery } from '../discovery/dns-discovery.ts';
import { Registration } from '../discovery/registration.ts';
import { RegistryDiscovery } from '../discovery/registry-discovery.ts';
import { type InternalTls, InternalTlsError, internalClientTls, internalServerTls, readInternalTls } from '../http/internal-tls.ts';
import { ServiceClient } from '../http/service-client.ts';
import { createLogger, type Logger } from '../logger.ts';
import { createMetrics } from '../metrics.ts';
import { SERVICE_NAMES } from '../service-names.ts';
import { createTracer } from '../tracing/create-tracer.ts';
import { Consumers } from './consumers.ts';
import type { NeedsOf, Service, ServiceDefinition, ServiceOptions } from './definition.ts';
import { identityJwks } from './identity-jwks.ts';
import { migrateServiceSchema } from './migrate-only.ts';
import { loadServiceConfig } from './service-config.ts';
import { createServiceHttp } from './service-http.ts';

/**
 * A service from its definition, in the order a reader can follow:
 * config → database → discovery → the service's own setup → consumers → http. `start()` then
 * migrates, connects the bus, subscribes, listens and registers; `stop()` undoes it in reverse.
 */
export async function createService<P extends TProperties, D, M extends URL | undefined, Disc extends boolean | undefined>(
  definition: ServiceDefinition<P, D, M, Disc>,
  env: NodeJS.ProcessEnv = process.env,
  options: ServiceOptions = {},
): Promise<Service<P, NeedsOf<M, Disc>>> {
  // config
  const { config, databaseUrl } = loadServiceConfig(definition, env);
  const internalTls = internalTlsOf(config);
  const instanceId = config.MERCATO_INSTANCE_ID ?? `${definition.name}-${randomBytes(4).toString('hex')}`;
  const log = createLogger({ service: definition.name, instance: instanceId, level: config.LOG_LEVEL });
  const metrics = createMetrics({ service: definition.name, instance: instanceId });
  const tracer = createTracer({ service: definition.name, instance: instanceId, config, log, metrics });
  /** What the kit's parts trace with: nothing at all with MERCATO_TRACING=off. */
  const tracing = tracer.enabled ? tracer : undefined;
  // database
  const database = databaseUrl ? connectDatabase(databaseUrl, { applicationName: instanceId, max: options.databasePoolMax }) : undefined;
  if (database) installPoolMetrics(metrics, database.pool);
  // mutual TLS between services (MERCATO_INTERNAL_TLS=on): one dispatcher for the kit's own calls
  const internalDispatcher = internalTls ? new Agent({ connect: internalClientTls(internalTls) }) : undefined;
  // discovery
  const discovery = discoveryFor(definition, config, log, internalDispatcher);
  const credentials: ClientCredentials | undefined = config.MERCATO_CLIENT_SECRET
    ? { clientId: config.MERCATO_CLIENT_ID ?? definition.name, clientSecret: config.MERCATO_CLIENT_SECRET }
    : undefined;
  const serviceTokens =
    discovery && credentials ? new ServiceTokens({ ...credentials, discovery, log, dispatcher: internalDispatcher }) : undefined;
  const bus = { current: undefined as EventBus | undefined, relay: undefined as OutboxRelay | undefined };
  let serviceClient: ServiceClient | undefined;
  // The definition's types promise `database`/`outbox` with migrations and `discovery` with
  // `discovery: true`: loadServiceConfig and discoveryFor have made sure both hold.
  type Setup = Parameters<NonNullable<typeof definition.setup>>[0];
  type Full = Parameters<NonNullable<typeof definition.routes>>[2];
  const setupContext = {
    name: definition.name,
    instanceId,
    config,
    log,
    metrics,
    tracer,
    database,
    discovery,
    outbox: database ? new Outbox(definition.name, tracing) : undefined,
    get bus() {
      return bus.current;
    },
    serviceTokens,
    internalTls,
    internalDispatcher,
    serviceClient() {
      if (!discovery)
        throw new ConfigError('MERCATO_REGISTRY_URL', `is required: ${definition.name} calls other services (or set DISCOVERY=dns)`);
      serviceClient ??= new ServiceClient({
        discovery,
        log,
        tracer: tracing,
        tokenFor: serviceTokens && ((audience) => serviceTokens.tokenFor(audience)),
        tls: internalTls,
      });
      return serviceClient;
    },
    flushOutbox: async () => (bus.relay ? bus.relay.flush() : 0),
  } as Setup;
  // the service's own parts
  const deps = (await definition.setup?.(setupContext)) as D;
  const verifier = new TokenVerifier({
    source: definition.jwks ? definition.jwks(deps, setupContext) : identityJwks(discovery, credentials, internalDispatcher),
    issuer: config.MERCATO_ISSUER,
    service: definition.name,
  });
  const context = Object.assign(setupContext, { verifier }) as Full;
  // consumers
  const deadLetterCount = database ? installBusMetrics(metrics, database.pool) : undefined;
  const consumers = new Consumers({
    service: definition.name,
    subscriptions: definition.subscriptions?.(deps, context) ?? [],
    database,
    log,
    tracer: tracing,
    metrics,
    onDeadLetter: (name, event, reason) => {
      deadLetterCount?.(name);
      bus.current?.deadLettered?.(name, event, reason);
    },
  });
  // http
  let stopping = false;
  // The edge's listener is the public one (browsers carry no client certificate): it keeps its own TLS.
  const https = internalTls && definition.auth !== 'edge' ? internalServerTls(internalTls) : definition.https?.(setupContext);
  const app = await createServiceHttp({
    name: definition.name,
    auth: definition.auth ?? 'service',
    publicPaths: definition.publicPaths ?? [],
    config,
    log,
    metrics,
    tracer,
    traced: tracer.enabled && definition.traced !== false,
    https,
    verifier,
    database,
    consumers,
    stopping: () => stopping,
    readiness: definition.readiness && (() => definition.readiness?.(deps, context) ?? Promise.resolve({ ok: true })),
  });
  await definition.routes?.(app, deps, context);

  let registration: Registration | undefined;
  let started = false;
  return {
    app,
    context,
    async start() {
      if (database && definition.migrations) await migrateAll(database, definition.migrations, log);
      bus.current = await connectBus(config, log, instanceId, { consumes: consumers.size > 0 });
      if (bus.current && database && databaseUrl) {
        bus.relay = new OutboxRelay({ pool: database.pool, connectionString: databaseUrl, bus: bus.current, log });
        bus.relay.start();
      }
      await consumers.subscribe(bus.current);
      await definition.beforeListen?.(deps, context);
      await app.listen({ port: config.PORT, host: config.MERCATO_HOST });
      started = true;
      const url = advertisedUrl(config, app.server.address(), Boolean(https));
      if (definition.register !== false && config.DISCOVERY === 'registry' && config.MERCATO_REGISTRY_URL) {
        registration = new Registration({
          registryUrl: config.MERCATO_REGISTRY_URL,
          self: { service: definition.name, url, meta: { instanceId, pid: String(process.pid) } },
          heartbeatMs: config.MERCATO_HEARTBEAT_MS,
          credentials,
          log,
          dispatcher: internalDispatcher,
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
      await definition.onStop?.(deps, context);
      await serviceClient?.close();
      await bus.relay?.stop();
      await bus.current?.close();
      discovery?.close();
      await database?.close();
      await internalDispatcher?.close();
      await tracer.close();
      log.info(`${definition.name} stopped`);
    },
  };
}

function internalTlsOf(config: BaseConfig): InternalTls | undefined {
  let tls: InternalTls | undefined;
  try {
    tls = readInternalTls(config);
  } catch (error) {
    if (error instanceof InternalTlsError) throw new ConfigError(error.variable, error.message.slice(error.variable.length + 1));
    throw error;
  }
  // DNS discovery (Kubernetes) reaches services over plain HTTP and leaves encryption to the mesh.
  if (tls && config.DISCOVERY === 'dns')
    throw new ConfigError('MERCATO_INTERNAL_TLS', 'is for the embedded default; with DISCOVERY=dns the mesh encrypts (docs/security.md)');
  return tls;
}

function discoveryFor(
  definition: { auth?: string; discovery?: boolean },
  config: BaseConfig,
  log: Logger,
  dispatcher: Dispatcher | undefined,
): Discovery | undefined {
  if (config.DISCOVERY === 'dns') return new DnsDiscovery({ port: config.MERCATO_DNS_PORT, services: SERVICE_NAMES });
  if (config.MERCATO_REGISTRY_URL && definition.auth !== 'none')
    return new RegistryDiscovery({ registryUrl: config.MERCATO_REGISTRY_URL, log, dispatcher });
  if (definition.discovery) throw new ConfigError('MERCATO_REGISTRY_URL', 'is required unless DISCOVERY=dns');
  return undefined;
}

/** The kit's own tables (outbox, inbox, dead letters), then the service's. */
async function migrateAll(database: Database<unknown>, migrations: URL, log: Logger): Promise<void> {
  // The same steps as an init container's MERCATO_MIGRATE_ONLY run (migrate-only.ts).
  const applied = await migrateServiceSchema(database.db, migrations);
  if (applied.length > 0) log.info({ migrations: applied }, 'applied migrations');
}

/** The URL other processes reach this instance at. */
function advertisedUrl(config: BaseConfig, address: ReturnType<import('node:net').Server['address']>, https: boolean): string {
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const host = config.MERCATO_HOST === '0.0.0.0' || config.MERCATO_HOST === '::' ? '127.0.0.1' : config.MERCATO_HOST;
  return config.MERCATO_ADVERTISE_URL ?? `${https ? 'https' : 'http'}://${host}:${port}`;
}
