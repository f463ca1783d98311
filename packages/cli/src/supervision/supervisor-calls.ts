import { CLI_CLIENT } from '@mercato/contracts/topology';
import { type SmallAnswer, type SmallTls, smallRequest } from '../small-http.ts';

/** A token is asked again this long before it expires. */
const RENEW_BEFORE_MS = 30_000;
const CALL_TIMEOUT_MS = 3_000;

/**
 * The supervisor's own calls to its services' operator paths (`/metrics`, `/internal/dead-letters`)
 * with the `mercato` client's credential (an ops caller in the topology): a service token per
 * audience from identity's client-credentials grant, kept until shortly before it expires.
 */
export class SupervisorCalls {
  readonly #registryUrl: () => string;
  readonly #secret: string;
  readonly #tls: SmallTls | undefined;
  readonly #tokens = new Map<string, { token: string; until: number }>();

  constructor(registryUrl: () => string, secret: string, tls: SmallTls | undefined) {
    this.#registryUrl = registryUrl;
    this.#secret = secret;
    this.#tls = tls;
  }

  /** The live instances of `service`, as the registry lists them. */
  async instances(service: string): Promise<{ id: string; url: string }[]> {
    const answer = await smallRequest(`${this.#registryUrl()}/instances?service=${service}`, {
      timeoutMs: CALL_TIMEOUT_MS,
      tls: this.#tls,
    });
    const items = (JSON.parse(answer.body) as { items?: unknown }).items;
    if (!Array.isArray(items)) return [];
    return items.filter(
      (i): i is { id: string; url: string } => typeof i?.id === 'string' && typeof i?.url === 'string' && /^https?:\/\//.test(i.url),
    );
  }

  /** One call to an instance of `service` with a token addressed to it. */
  async call(service: string, url: string, method: 'GET' | 'POST' = 'GET', timeoutMs = CALL_TIMEOUT_MS): Promise<SmallAnswer> {
    const token = await this.#token(service);
    return smallRequest(url, { method, headers: { authorization: `Bearer ${token}` }, timeoutMs, tls: this.#tls });
  }

  async #token(audience: string): Promise<string> {
    const kept = this.#tokens.get(audience);
    if (kept && kept.until > Date.now()) return kept.token;
    const [identity] = await this.instances('identity');
    if (!identity) throw new Error('no identity instance to ask for a token');
    const answer = await smallRequest(`${identity.url}/oauth/token`, {
      method: 'POST',
      json: { grant_type: 'client_credentials', client_id: CLI_CLIENT, client_secret: this.#secret, audience },
      timeoutMs: CALL_TIMEOUT_MS,
      tls: this.#tls,
    });
    const body = JSON.parse(answer.body) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== 'string') throw new Error(`identity refused the supervisor a token (${answer.status})`);
    const lifetimeMs = typeof body.expires_in === 'number' ? body.expires_in * 1_000 : 60_000;
    this.#tokens.set(audience, { token: body.access_token, until: Date.now() + lifetimeMs - RENEW_BEFORE_MS });
    return body.access_token;
  }
}
