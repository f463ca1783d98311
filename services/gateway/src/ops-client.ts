import { CommonProblems, type Discovery, HttpProblem, SERVICE_NAMES, type ServiceTokens } from '@mercato/kit';
import type { FastifyBaseLogger } from 'fastify';
import { type Dispatcher, request } from 'undici';

/** One call to one instance's operator path. */
const OPS_CALL_TIMEOUT_MS = 2_000;

export interface OpsAnswer {
  status: number;
  body: unknown;
}

/**
 * Calls services' operator paths (`/internal/dead-letters`, `/internal/traces`) with the gateway's
 * `gateway-ops` credential, never its anonymous-call token: one instance of a service, or every live
 * instance of every service. An unreachable instance answers 503 here; it never throws.
 */
export class OpsClient {
  readonly #discovery: Discovery;
  readonly #tokens: ServiceTokens | undefined;
  readonly #log: FastifyBaseLogger;
  readonly #dispatcher: Dispatcher | undefined;

  /** `dispatcher`: the one that presents the gateway's certificate under MERCATO_INTERNAL_TLS=on. */
  constructor(discovery: Discovery, tokens: ServiceTokens | undefined, log: FastifyBaseLogger, dispatcher?: Dispatcher | undefined) {
    this.#dispatcher = dispatcher;
    this.#discovery = discovery;
    this.#tokens = tokens;
    this.#log = log;
  }

  /** One instance of `service`, as discovery picks it. */
  async call(service: string, method: 'GET' | 'POST', path: string): Promise<OpsAnswer> {
    const instance = this.#discovery.pick(service);
    if (!instance) return { status: 503, body: undefined };
    return this.#send(service, instance.url, method, path);
  }

  /** Every live instance of every service, at once. */
  async everyInstance(path: string): Promise<(OpsAnswer & { service: string; url: string })[]> {
    return Promise.all(
      SERVICE_NAMES.flatMap((service) =>
        this.#discovery.instances(service).map(async ({ url }) => ({ service, url, ...(await this.#send(service, url, 'GET', path)) })),
      ),
    );
  }

  async #send(service: string, url: string, method: 'GET' | 'POST', path: string): Promise<OpsAnswer> {
    if (!this.#tokens)
      throw new HttpProblem(CommonProblems.serviceUnavailable, 'The gateway has no ops credential (MERCATO_OPS_CLIENT_SECRET).');
    try {
      const response = await request(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${await this.#tokens.tokenFor(service)}` },
        headersTimeout: OPS_CALL_TIMEOUT_MS,
        bodyTimeout: OPS_CALL_TIMEOUT_MS,
        dispatcher: this.#dispatcher,
      });
      const text = await response.body.text();
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      return { status: response.statusCode, body };
    } catch (error) {
      this.#log.warn({ err: error, service, path }, 'an ops call failed');
      return { status: 503, body: undefined };
    }
  }
}
