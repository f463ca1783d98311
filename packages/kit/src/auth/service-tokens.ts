import type { Logger } from 'pino';
import { type Dispatcher, request } from 'undici';
import type { Discovery } from '../discovery/discovery.ts';

/** Renew a cached token this long before it expires, so no call carries one that dies in flight. */
const RENEW_BEFORE_MS = 60_000;

/**
 * OAuth2 client credentials at identity: gets a service token per audience (the callee), caches it
 * and renews it before expiry. Identity is found through discovery.
 */
export class ServiceTokens {
  readonly #clientId: string;
  readonly #clientSecret: string;
  readonly #discovery: Discovery;
  readonly #log: Logger;
  readonly #dispatcher: Dispatcher | undefined;
  readonly #cache = new Map<string, { token: string; renewAt: number }>();
  readonly #inflight = new Map<string, Promise<string>>();

  /** `dispatcher`: the one that presents this process's certificate under MERCATO_INTERNAL_TLS=on. */
  constructor(options: { clientId: string; clientSecret: string; discovery: Discovery; log: Logger; dispatcher?: Dispatcher | undefined }) {
    this.#clientId = options.clientId;
    this.#clientSecret = options.clientSecret;
    this.#discovery = options.discovery;
    this.#log = options.log;
    this.#dispatcher = options.dispatcher;
  }

  /** A valid token addressed to `audience`. */
  async tokenFor(audience: string): Promise<string> {
    const cached = this.#cache.get(audience);
    if (cached && cached.renewAt > Date.now()) return cached.token;
    let pending = this.#inflight.get(audience);
    if (!pending) {
      pending = this.#fetch(audience).finally(() => this.#inflight.delete(audience));
      this.#inflight.set(audience, pending);
    }
    return pending;
  }

  async #fetch(audience: string): Promise<string> {
    const identity = this.#discovery.pick('identity');
    if (!identity) throw new Error('no identity instance is known: cannot get a service token');
    const response = await request(`${identity.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: this.#clientId, client_secret: this.#clientSecret, audience }),
      headersTimeout: 5_000,
      dispatcher: this.#dispatcher,
    });
    const body = (await response.body.json()) as { access_token?: string; expires_in?: number; detail?: string };
    if (response.statusCode !== 200 || !body.access_token) {
      this.#log.error({ status: response.statusCode, detail: body.detail }, 'identity refused a service token');
      throw new Error(`identity refused a service token for ${audience}: ${response.statusCode}`);
    }
    const lifetimeMs = (body.expires_in ?? 900) * 1000;
    this.#cache.set(audience, { token: body.access_token, renewAt: Date.now() + Math.max(lifetimeMs - RENEW_BEFORE_MS, lifetimeMs / 2) });
    return body.access_token;
  }
}
