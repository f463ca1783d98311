import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI_CLIENT } from '@mercato/contracts';
import { SERVICE_NAMES } from '@mercato/kit';
import { request } from 'undici';

/** Not the platform's work: scrapes (ours and the gateway's ops view every 5 s) and probes. */
const IGNORED_ROUTE = /^\/(metrics$|health\/)/;
const COUNT_LINE = /^http_request_duration_seconds_count\{([^}]*)\}\s+(\S+)/;

/** Requests served (the sum of `http_request_duration_seconds_count`), from a prom-client text page. */
export function requestsServed(metricsText: string): number {
  let sum = 0;
  for (const line of metricsText.split('\n')) {
    const match = COUNT_LINE.exec(line);
    if (!match?.[1] || !match[2]) continue;
    const route = /(?:^|,)route="([^"]*)"/.exec(match[1])?.[1] ?? '';
    if (!IGNORED_ROUTE.test(route)) sum += Number(match[2]);
  }
  return sum;
}

/**
 * Reads every instance's `/metrics`: services with a service token of the `mercato` command's client
 * (an operator path's caller, minted from `<data dir>/secrets.json`), the gateway with an admin user's
 * token (its public port takes user tokens only), the registry bare (it checks no tokens).
 */
export class ServiceMetrics {
  readonly #registryUrl: string;
  readonly #cliSecret: string;
  readonly #adminToken: string;
  readonly #tokens = new Map<string, string>();

  private constructor(registryUrl: string, cliSecret: string, adminToken: string) {
    this.#registryUrl = registryUrl;
    this.#cliSecret = cliSecret;
    this.#adminToken = adminToken;
  }

  static async open(dataDir: string, adminToken: string): Promise<ServiceMetrics> {
    const { registryUrl } = JSON.parse(await readFile(join(dataDir, 'runtime.json'), 'utf8')) as { registryUrl: string };
    const secrets = JSON.parse(await readFile(join(dataDir, 'secrets.json'), 'utf8')) as { clients: Record<string, string> };
    return new ServiceMetrics(registryUrl, secrets.clients[CLI_CLIENT] ?? '', adminToken);
  }

  /** Requests served per process name (instances add up); a process whose page could not be read is missing. */
  async snapshot(): Promise<Map<string, number>> {
    const names = ['registry', ...SERVICE_NAMES, 'gateway'];
    const counts = await Promise.all(names.map(async (name) => [name, await this.#served(name)] as const));
    return new Map(counts.filter((entry): entry is readonly [string, number] => entry[1] !== undefined));
  }

  async #served(name: string): Promise<number | undefined> {
    const urls = name === 'registry' ? [this.#registryUrl] : await this.#instances(name);
    let sum = 0;
    for (const url of urls) {
      const text = await this.#metricsPage(name, url).catch(() => undefined);
      if (text === undefined) return undefined;
      sum += requestsServed(text);
    }
    return urls.length > 0 ? sum : undefined;
  }

  async #metricsPage(name: string, url: string): Promise<string | undefined> {
    const headers = name === 'registry' ? {} : { authorization: `Bearer ${await this.#token(name)}` };
    const response = await request(`${url}/metrics`, { headers, headersTimeout: 5_000, bodyTimeout: 5_000 });
    const text = await response.body.text();
    if (response.statusCode === 401) this.#tokens.delete(name); // expired: the next snapshot mints another
    return response.statusCode === 200 ? text : undefined;
  }

  async #instances(service: string): Promise<string[]> {
    const response = await request(`${this.#registryUrl}/instances?service=${service}`, { headersTimeout: 5_000 });
    const { items } = (await response.body.json()) as { items: { url: string }[] };
    return items.map((item) => item.url);
  }

  /** Minted once per audience, before the measured window, so minting is not counted in it. */
  async #token(service: string): Promise<string> {
    if (service === 'gateway') return this.#adminToken;
    const known = this.#tokens.get(service);
    if (known) return known;
    const [identity] = await this.#instances('identity');
    const response = await request(`${identity}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: CLI_CLIENT, client_secret: this.#cliSecret, audience: service }),
    });
    const { access_token: token } = (await response.body.json()) as { access_token?: string };
    if (!token) throw new Error(`identity gave the bench no token for ${service} (${response.statusCode})`);
    this.#tokens.set(service, token);
    return token;
  }
}
