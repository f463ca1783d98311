import type { Static, TObject, TProperties } from 'typebox';
import type { Dispatcher } from 'undici';
import type { ServiceTokens } from '../auth/service-tokens.ts';
import type { JwksSource, TokenVerifier } from '../auth/token-verifier.ts';
import type { EventBus } from '../bus/event-bus.ts';
import type { Outbox } from '../bus/outbox.ts';
import type { Subscription } from '../bus/subscription.ts';
import type { BaseConfig } from '../config.ts';
import type { Database } from '../database.ts';
import type { Discovery } from '../discovery/discovery.ts';
import type { InternalTls } from '../http/internal-tls.ts';
import type { ServiceClient } from '../http/service-client.ts';
import type { HttpApp } from '../http-app.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { Tracer } from '../tracing/tracer.ts';

/** What a service declares it needs; the context's types follow from it. */
export interface Needs {
  /** Set by `migrations`: the service owns a database, so `database` and `outbox` are there. */
  database: boolean;
  /** Set by `discovery: true`: the service calls others, so `discovery` is there. */
  discovery: boolean;
}

/** What `setup` receives: everything the kit made for the service before its own parts exist. */
export type SetupContext<P extends TProperties = TProperties, N extends Needs = Needs> = {
  name: string;
  instanceId: string;
  config: BaseConfig & Static<TObject<P>>;
  log: Logger;
  metrics: Metrics;
  /** This process's spans: `tracer.startSpan` for work of its own (a provider call); requests, calls and events are traced by the kit. */
  tracer: Tracer;
  /** The event bus, once started; absent when neither NATS_URL nor BUS_DATABASE_URL is set. */
  readonly bus: EventBus | undefined;
  /** Service tokens for calls to other services; present when this service has client credentials. */
  serviceTokens: ServiceTokens | undefined;
  /**
   * The client for calls to other services (discovery, service tokens, timeouts, retries, circuit
   * breakers): one per service, closed when the service stops. Needs discovery.
   */
  serviceClient(): ServiceClient;
  /**
   * With MERCATO_INTERNAL_TLS=on: this process's certificate and the CA (`http/internal-tls.ts`), and
   * the undici dispatcher that presents them and verifies the peer. Every internal call not made
   * through `serviceClient()` passes `internalDispatcher` (undefined when off: undici's default).
   */
  internalTls: InternalTls | undefined;
  internalDispatcher: Dispatcher | undefined;
  /** Publishes committed outbox rows now (tests, benchmarks); resolves with how many. */
  flushOutbox(): Promise<number>;
} & (N['database'] extends true
  ? {
      /** The service's own database. */
      database: Database<unknown>;
      /** Where this service publishes events, inside its own transactions. */
      outbox: Outbox;
    }
  : { database: Database<unknown> | undefined; outbox: Outbox | undefined }) &
  (N['discovery'] extends true
    ? { discovery: Discovery }
    : {
        /** Other services' instances, when discovery is configured. */
        discovery: Discovery | undefined;
      });

/** Everything the kit made for the service, its token verifier included. */
export type ServiceContext<P extends TProperties = TProperties, N extends Needs = Needs> = SetupContext<P, N> & {
  /** Verifies access tokens (user, or service tokens addressed to this service). */
  verifier: TokenVerifier;
};

export type NeedsOf<M, Disc> = { database: M extends URL ? true : false; discovery: Disc extends true ? true : false };

/**
 * A service, declared: its config, what it needs, and its lifecycle. `setup` builds the service's
 * own parts (stores, clients, workers) once; `routes`, `subscriptions`, `beforeListen` and `onStop`
 * all receive what it returned.
 */
export interface ServiceDefinition<
  P extends TProperties = TProperties,
  D = unknown,
  M extends URL | undefined = URL | undefined,
  Disc extends boolean | undefined = boolean | undefined,
> {
  name: string;
  /** The service's own env vars, beyond BaseConfig. */
  config?: TObject<P>;
  /** Folder of numbered `.sql` migrations; set when the service owns a database. */
  migrations?: M;
  /** The env var that holds the listening port, when not `PORT` (the gateway's is `GATEWAY_PORT`). */
  port?: { variable: string; default: number };
  /** Whether this service must look up others (the gateway does); others get discovery when it is configured. */
  discovery?: Disc;
  /**
   * `service` (default): every call but /health/* needs a token. `edge`: the gateway, which verifies
   * tokens when present and decides per route. `none`: the registry, which every process must reach
   * before it can have a token (keep it on the internal network).
   */
  auth?: 'service' | 'edge' | 'none';
  /** Paths a service answers without a token (identity's JWKS and token endpoint). */
  publicPaths?: readonly string[];
  /** Builds the service's own parts; runs once, before anything below. */
  setup?: (context: SetupContext<P, NeedsOf<M, Disc>>) => D | Promise<D>;
  /** Where verification keys come from; default: identity's JWKS, found through discovery. */
  jwks?: (deps: D, context: SetupContext<P, NeedsOf<M, Disc>>) => JwksSource;
  /** Whether to register with the registry (every service but the registry itself). */
  register?: boolean;
  /** False: no server spans (the registry, whose heartbeats would bury the shop's traces). Default true. */
  traced?: boolean;
  /**
   * Serve HTTPS with this certificate and key (the gateway, from MERCATO_TLS_CERT / MERCATO_TLS_KEY).
   * Under MERCATO_INTERNAL_TLS=on every other service's port uses mutual TLS instead; only the edge's
   * (public) listener keeps this.
   */
  https?: (context: SetupContext<P, NeedsOf<M, Disc>>) => { cert: Buffer; key: Buffer } | undefined;
  routes?: (app: HttpApp, deps: D, context: ServiceContext<P, NeedsOf<M, Disc>>) => void | Promise<void>;
  /** What the service consumes (its `handlers.ts`); handled exactly once per consumer, in a transaction. */
  subscriptions?: (deps: D, context: ServiceContext<P, NeedsOf<M, Disc>>) => Subscription[];
  /** An extra readiness check; `/health/ready` is 503 while it answers `ok: false`. `body` adds fields to the answer. */
  readiness?: (deps: D, context: ServiceContext<P, NeedsOf<M, Disc>>) => Promise<{ ok: boolean; body?: Record<string, unknown> }>;
  /** Runs after migrations and the bus are up, before the port opens (load keys, start workers). */
  beforeListen?: (deps: D, context: ServiceContext<P, NeedsOf<M, Disc>>) => Promise<void>;
  /** Runs after the HTTP server stopped, before the bus and the database close. */
  onStop?: (deps: D, context: ServiceContext<P, NeedsOf<M, Disc>>) => Promise<void>;
}

/** Declares a service; the types of `setup`'s context and of every step's deps follow from the declaration. */
export function defineService<
  P extends TProperties = TProperties,
  D = undefined,
  M extends URL | undefined = undefined,
  Disc extends boolean | undefined = undefined,
>(definition: ServiceDefinition<P, D, M, Disc>): ServiceDefinition<P, D, M, Disc> {
  return definition;
}

/** How one process runs a service, beyond its definition and env. */
export interface ServiceOptions {
  /** Connections the database pool may hold; default 10 (`connectDatabase`). An embedded app in a Lambda needs 1. */
  databasePoolMax?: number;
}

export interface Service<P extends TProperties = TProperties, N extends Needs = Needs> {
  app: HttpApp;
  context: ServiceContext<P, N>;
  /** Migrates, listens, registers; resolves with the URL the instance is reachable at. */
  start(): Promise<string>;
  /** Deregisters, stops accepting, drains in-flight requests within the shutdown bound, closes pools. */
  stop(): Promise<void>;
}
