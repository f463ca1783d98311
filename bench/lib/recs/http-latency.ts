import autocannon from 'autocannon';
import { load } from '../load.ts';
import { withPlatform } from '../platform.ts';
import { GENEROUS_RATE_LIMITS, json, registerShoppers } from '../shoppers.ts';

export type HttpLatencyRow = Record<string, string | number> & {
  route: string;
  while: string;
  requests: number;
  'req/s': number;
  'p50 ms': number;
  'p99 ms': number;
  errors: number;
};

const SHOPPERS = 40;

/**
 * The recommendations answers over HTTP on the whole platform (demo store, through the gateway), beside
 * a baseline in the same run (`/api/inventory/{sku}`: the same gateway hop to a service that reads one
 * row): first on a quiet platform, then while a burst of `burst` product page views by signed-in
 * shoppers goes through the gateway, onto the bus and into every recommendations instance's model.
 */
export async function httpLatency(
  options: { seconds: number; connections: number; burst: number },
  progress: (line: string) => void,
): Promise<{ rows: HttpLatencyRow[]; burstSeconds: number }> {
  return withPlatform({ ...GENEROUS_RATE_LIMITS }, progress, async (platform) => {
    const base = platform.gatewayUrl;
    progress(`registering ${SHOPPERS} shoppers…`);
    const tokens = await registerShoppers(base, SHOPPERS);
    const page = await json<{ items: { id: string; slug: string; sku: string }[] }>(`${base}/api/products?limit=100`);
    const products = page.items;
    const pick = <T>(list: readonly T[], k: number) => list[k % list.length] as T;
    // Each shopper has a short history, so /me answers personally.
    for (const [k, token] of tokens.entries()) {
      for (let v = 0; v < 5; v++) await json(`${base}/api/storefront/products/${pick(products, k * 7 + v * 13).slug}`, { token });
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const me = `${base}/api/recommendations/me`;
    const forProduct = `${base}/api/recommendations?productId=${pick(products, 3).id}`;
    const baseline = `${base}/api/inventory/${pick(products, 3).sku}`;
    const auth = (token: string) => ({ authorization: `Bearer ${token}` });
    const rows: HttpLatencyRow[] = [];
    const row = (route: string, phase: string, f: Awaited<ReturnType<typeof load>>): HttpLatencyRow => ({
      route,
      while: phase,
      requests: f.requests,
      'req/s': f.requestsPerSecond,
      'p50 ms': f.p50Ms,
      'p99 ms': f.p99Ms,
      errors: f.errors,
    });
    const quiet = { seconds: options.seconds, connections: options.connections };
    progress('quiet: /me, a product’s row and the baseline, one after another…');
    rows.push(row('GET /api/recommendations/me', 'quiet', await load(me, { ...quiet, headers: auth(pick(tokens, 0)) })));
    rows.push(row('GET /api/recommendations?productId=', 'quiet', await load(forProduct, quiet)));
    rows.push(row('GET /api/inventory/{sku} (baseline)', 'quiet', await load(baseline, quiet)));
    // One connection: each request alone, its own time without the queue the closed loop above builds.
    const alone = { seconds: options.seconds, connections: 1 };
    rows.push(row('GET /api/recommendations/me', 'one connection', await load(me, { ...alone, headers: auth(pick(tokens, 0)) })));
    rows.push(row('GET /api/inventory/{sku} (baseline)', 'one connection', await load(baseline, alone)));

    progress(`burst: ${options.burst} signed-in product page views while /me is measured…`);
    let n = 0;
    const started = Date.now();
    const burst = autocannon({
      url: base,
      connections: 8,
      amount: options.burst,
      requests: [
        {
          setupRequest: (request) => {
            n += 1;
            return {
              ...request,
              path: `/api/storefront/products/${pick(products, n * 31).slug}`,
              headers: { ...request.headers, ...auth(pick(tokens, n)) },
            };
          },
        },
      ],
    });
    const during = load(me, { seconds: options.seconds, connections: 2, headers: auth(pick(tokens, 1)) });
    const views = await burst;
    const burstSeconds = (Date.now() - started) / 1000;
    rows.push(row('GET /api/recommendations/me', `a burst of ${options.burst} views`, await during));
    rows.push({
      route: 'GET /api/storefront/products/{slug} (the burst)',
      while: 'signed in, 8 connections',
      requests: views.requests.total,
      'req/s': Math.round(views.requests.average),
      'p50 ms': views.latency.p50,
      'p99 ms': views.latency.p99,
      errors: views.errors + views.non2xx,
    });
    return { rows, burstSeconds };
  });
}
