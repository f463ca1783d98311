import type { IncomingHttpHeaders } from 'node:http';
import { Agent, request } from 'undici';
import type { Discovery } from '../discovery/discovery.ts';
import type { Logger } from '../logger.ts';
import type { Tracer } from '../tracing/tracer.ts';
import { type CircuitBreakerOptions, CircuitBreakers, type CircuitStateName } from './circuit-breaker.ts';
import { InstancePicker } from './instance-picker.ts';
import { type InternalTls, internalClientTls } from './internal-tls.ts';
import { connectionFailure, IDEMPOTENT_METHODS, UpstreamTimeoutError, UpstreamUnavailableError } from './upstream-errors.ts';

export interface ServiceClientOptions {
  discovery: Discovery;
  /** A token addressed to the called service (`context.serviceTokens?.tokenFor`); sent as `Authorization: Bearer`. */
  tokenFor?: (audience: string) => Promise<string | undefined>;
  log: Logger;
  /** A client span per call, its context sent as `traceparent`. */
  tracer?: Tracer;
  /** Bound of one call, retries included, unless the call sets its own (default 2 s). */
  timeoutMs?: number;
  /**
   * How many other instances an idempotent call tries after a connection failure (default 2): enough
   * to get past an instance that just died and one that is draining, few enough to keep the bound.
   */
  retries?: number;
  /**
   * Bound of opening a TCP connection (default 1 s). Inside one network a connection opens in well
   * under 10 ms; an instance that does not accept within a second is gone, and the rest of the call's
   * bound is left for another instance.
   */
  connectTimeoutMs?: number;
  /** Connections kept open per instance (default 32). */
  connectionsPerInstance?: number;
  /** Thresholds of the per-service circuit breakers. */
  breaker?: CircuitBreakerOptions;
  /** How long an instance that refused a connection is passed over while another one is known (default 5 s). */
  ejectForMs?: number;
  /** MERCATO_INTERNAL_TLS=on: present this certificate and accept only servers whose certificate the CA signed. */
  tls?: InternalTls | undefined;
}

export interface ServiceRequest {
  method: string;
  /** Path and query, e.g. `/api/products/abc?limit=4`. */
  path: string;
  headers?: Record<string, string>;
  /** An object or array is sent as JSON; a string or bytes as is (set `content-type`). */
  body?: unknown;
  /** This call's bound, retries included. */
  timeoutMs?: number;
  /** Lets the caller give up early; an abort is not counted against the service. */
  signal?: AbortSignal;
}

export interface ServiceResponse<T = unknown> {
  status: number;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body; undefined when the answer has none or is not JSON. */
  body: T | undefined;
}

const DEFAULT_TIMEOUT_MS = 2_000;
const DEFAULT_RETRIES = 2;
const DEFAULT_CONNECT_TIMEOUT_MS = 1_000;
const DEFAULT_CONNECTIONS = 32;
/** Below the 72 s idle timeout Fastify servers keep, so the client, not the server, closes idle connections. */
const KEEP_ALIVE_MS = 30_000;
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;

/**
 * How one service calls another: instance round-robin through discovery, a service token, keep-alive
 * connections (one undici Agent per client), a time bound per call, retries of idempotent calls on
 * another instance after a connection failure, and a circuit breaker per target service.
 *
 * Errors: `UpstreamUnavailableError` (circuit open, no instance, unreachable, no token; a route that
 * lets it through answers 503) and `UpstreamTimeoutError` (504). Any HTTP answer, 4xx and 5xx
 * included, is returned, not thrown. Against the target's circuit count 5xx answers, unreachable
 * instances and timeouts; 4xx answers and calls the caller aborted do not.
 */
export class ServiceClient {
  readonly #tokenFor: ((audience: string) => Promise<string | undefined>) | undefined;
  readonly #log: Logger;
  readonly #tracer: Tracer | undefined;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #agent: Agent;
  readonly #picker: InstancePicker;
  readonly #breakers: CircuitBreakers;

  constructor(options: ServiceClientOptions) {
    this.#tokenFor = options.tokenFor;
    this.#log = options.log;
    this.#tracer = options.tracer;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#retries = options.retries ?? DEFAULT_RETRIES;
    this.#agent = new Agent({
      connections: options.connectionsPerInstance ?? DEFAULT_CONNECTIONS,
      keepAliveTimeout: KEEP_ALIVE_MS,
      connect: {
        timeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        ...(options.tls ? internalClientTls(options.tls) : {}),
      },
    });
    this.#picker = new InstancePicker(options.discovery, { ejectForMs: options.ejectForMs });
    this.#breakers = new CircuitBreakers(options.breaker, options.log);
  }

  /** Calls one instance of `service`; see the class comment for what is retried, counted and thrown. */
  async request<T = unknown>(service: string, call: ServiceRequest): Promise<ServiceResponse<T>> {
    const method = call.method.toUpperCase();
    const span = this.#tracer?.startSpan(`${method} ${service}`, 'client', {
      attributes: { 'peer.service': service, 'http.method': method, 'http.target': call.path.split('?')[0] ?? '' },
    });
    if (!span) return this.#request<T>(service, call, method, undefined);
    try {
      const response = await this.#request<T>(service, call, method, span.traceparent);
      span.set('http.status_code', response.status).end(response.status >= 500 ? 'error' : 'ok');
      return response;
    } catch (error) {
      span.fail((error as Error)?.message ?? String(error)).end();
      throw error;
    }
  }

  async #request<T>(service: string, call: ServiceRequest, method: string, traceparent: string | undefined): Promise<ServiceResponse<T>> {
    const breaker = this.#breakers.for(service);
    // Fail fast before anything touches the network, a token fetch included.
    breaker.assertCallable();
    const timeoutMs = call.timeoutMs ?? this.#timeoutMs;
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = call.signal ? AbortSignal.any([deadline, call.signal]) : deadline;
    const headers: Record<string, string> = { accept: 'application/json' };
    for (const [name, value] of Object.entries(call.headers ?? {})) headers[name.toLowerCase()] = value;
    if (traceparent) headers.traceparent = traceparent;
    let body: string | Uint8Array | undefined;
    if (call.body !== undefined) {
      if (typeof call.body === 'string' || call.body instanceof Uint8Array) {
        body = call.body;
      } else {
        body = JSON.stringify(call.body);
        headers['content-type'] ??= 'application/json';
      }
    }
    // A caller that passes its own Authorization (a user's token it acts for) keeps it.
    if (headers.authorization === undefined && this.#tokenFor) {
      let token: string | undefined;
      try {
        token = await this.#tokenFor(service);
      } catch (error) {
        // Identity is down or refuses: not the target's fault, so not counted against its circuit.
        throw new UpstreamUnavailableError(service, 'no_token', { cause: error });
      }
      if (token) headers.authorization = `Bearer ${token}`;
    }
    return breaker.run(
      async () => {
        try {
          return await this.#callWithRetries<T>(service, { method, path: call.path, headers, body, signal });
        } catch (error) {
          if (deadline.aborted && !call.signal?.aborted) throw new UpstreamTimeoutError(service, timeoutMs);
          throw error;
        }
      },
      { isFailure: (response) => response.status >= 500, countsAsFailure: () => !call.signal?.aborted },
    );
  }

  /** The state of the circuit to each service called so far. */
  circuits(): Record<string, CircuitStateName> {
    return this.#breakers.states();
  }

  /** Closes the kept-alive connections; call it when the service stops. */
  async close(): Promise<void> {
    await this.#agent.close();
  }

  async #callWithRetries<T>(
    service: string,
    call: { method: string; path: string; headers: Record<string, string>; body: string | Uint8Array | undefined; signal: AbortSignal },
  ): Promise<ServiceResponse<T>> {
    const tried = new Set<string>();
    const maxAttempts = IDEMPOTENT_METHODS.has(call.method) ? 1 + this.#retries : 1;
    let lastError: unknown;
    while (tried.size < maxAttempts) {
      const instance = this.#picker.pick(service, tried);
      if (!instance) break;
      tried.add(instance.url);
      try {
        const response = await this.#send<T>(instance.url, call);
        this.#picker.markReachable(instance.url);
        return response;
      } catch (error) {
        const failure = call.signal.aborted ? undefined : connectionFailure(error);
        if (!failure) throw error;
        if (failure.phase === 'connect') this.#picker.markUnreachable(instance.url);
        lastError = error;
        this.#log.warn(
          { service, upstream: instance.url, code: failure.code, method: call.method, attempt: tried.size },
          tried.size < maxAttempts ? 'connection to an instance failed; trying another' : 'connection to an instance failed',
        );
      }
    }
    if (tried.size === 0) throw new UpstreamUnavailableError(service, 'no_instance');
    throw new UpstreamUnavailableError(service, 'unreachable', { cause: lastError });
  }

  async #send<T>(
    origin: string,
    call: { method: string; path: string; headers: Record<string, string>; body: string | Uint8Array | undefined; signal: AbortSignal },
  ): Promise<ServiceResponse<T>> {
    const response = await request(`${origin}${call.path}`, {
      dispatcher: this.#agent,
      method: call.method as 'GET',
      headers: call.headers,
      body: call.body,
      signal: call.signal,
    });
    const text = await response.body.text();
    const type = response.headers['content-type'];
    let body: T | undefined;
    if (text.length > 0 && typeof type === 'string' && JSON_TYPE.test(type)) {
      try {
        body = JSON.parse(text) as T;
      } catch {
        this.#log.warn({ origin, path: call.path, status: response.statusCode }, 'answer announced JSON but is not');
      }
    }
    return { status: response.statusCode, headers: response.headers, body };
  }
}
