import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { streamName } from '@mercato/kit';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Pool } from 'undici';
import { positiveInteger, ratio } from '../lib/measure-targets.ts';
import { CostProbe } from '../lib/order-costs.ts';
import { type SeededHistory, seedOrderHistoryInto } from '../lib/order-history.ts';
import { withPlatform } from '../lib/platform.ts';
import type { Scenario, Table } from '../lib/scenario.ts';
import { GENEROUS_RATE_LIMITS, json, registerShoppers } from '../lib/shoppers.ts';
import { ms, percentile } from '../lib/stats.ts';
import { tracingSettings } from '../lib/tracing-settings.ts';

const ADMIN = { email: 'bench-admin@shop.test', password: 'bench admin password' };
const PRODUCTS = 20;
const ADDRESS = { line1: '1 Bench Way', city: 'Loadville', postalCode: '10001', country: 'US' };

const median = (values: number[]): number =>
  ms(
    percentile(
      [...values].sort((a, b) => a - b),
      50,
    ),
  );

/**
 * How a shopper follows a pending order. `wait`, as the web app's order page does: `GET
 * /api/orders/{id}?wait=5` answers when the order settles, asked again at once while it is pending.
 * `poll`: a plain GET every 250 ms (how the bench followed orders before `?wait=` existed).
 */
type Follow = 'wait' | 'poll';
const POLL_MS = 250;
const WAIT_SECONDS = 5;
/** The saga's steps as the order history names them, each timed from the one before. */
const STEPS = ['stock reserved', 'payment authorized', 'stock committed', 'payment captured'] as const;

interface OrderAnswer {
  id: string;
  status: string;
  history: { at: string; detail?: string }[];
}

interface CheckoutFigures {
  bus: string;
  /** The tracing setting of the row (`--tracing`); absent without the option. */
  tracing?: string;
  /** The history the store held before the shoppers (`--history`); none on the empty store. */
  history?: SeededHistory;
  confirmedPerSecond: number;
  confirmed: number;
  cancelled: number;
  failures: number;
  p50Ms: number;
  p99Ms: number;
  /** Median time of each saga step. */
  stepP50Ms: Record<string, number>;
  /** What an order costs (CPU, SQL, HTTP, bus messages) and each process's memory. */
  costs: { tables: Table[]; summary: Record<string, string> };
}

/** Products with stock no run can exhaust, so every order should confirm. */
async function stockTheShop(gatewayUrl: string): Promise<string[]> {
  const { accessToken } = await json<{ accessToken: string }>(`${gatewayUrl}/api/auth/login`, { method: 'POST', body: ADMIN });
  const skus: string[] = [];
  for (let i = 0; i < PRODUCTS; i++) {
    const sku = `BENCH-${i}`;
    await json(`${gatewayUrl}/api/products`, {
      method: 'POST',
      token: accessToken,
      expect: 201,
      body: {
        slug: `bench-item-${i}`,
        name: `Bench item ${i}`,
        description: 'a product for the checkout benchmark',
        category: 'bench',
        price: { amount: 500 + i * 100, currency: 'USD' },
        sku,
        images: [],
        attributes: {},
      },
    });
    await json(`${gatewayUrl}/api/inventory/${sku}`, { method: 'PUT', token: accessToken, body: { onHand: 10_000_000 } });
    skus.push(sku);
  }
  return skus;
}

/**
 * Virtual shoppers, each in a loop: add 1–3 products, place an order, poll it every 250 ms until it
 * is final. Place→confirmed is the placement request's time plus the order history's time from
 * `placed` to `payment captured` (server clock), so the poll interval does not blur it.
 */
async function measureCheckout(
  gatewayUrl: string,
  bus: string,
  options: { shoppers: number; seconds: number; warmUpSeconds: number; follow: Follow },
  costs: CostProbe,
  progress: (line: string) => void,
): Promise<CheckoutFigures> {
  const skus = await stockTheShop(gatewayUrl);
  const tokens = await registerShoppers(gatewayUrl, options.shoppers);
  await costs.idle();
  const pool = new Pool(gatewayUrl, { connections: options.shoppers * 2, keepAliveTimeout: 30_000 });
  const call = async (method: 'GET' | 'POST', path: string, token: string, body?: unknown, headers: Record<string, string> = {}) => {
    const answer = await pool.request({
      method,
      path,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await answer.body.text();
    return { status: answer.statusCode, body: text ? (JSON.parse(text) as OrderAnswer) : undefined };
  };
  let measuring = false;
  let stopping = false;
  const latencies: number[] = [];
  const stages = new Map<string, number[]>(STEPS.map((step) => [step, []]));
  let confirmed = 0;
  let cancelled = 0;
  let failures = 0;

  const shopper = async (token: string, index: number) => {
    let n = index;
    while (!stopping) {
      const lines = 1 + (n % 3);
      for (let i = 0; i < lines; i++) {
        await call('POST', '/api/cart/items', token, { sku: skus[(n + i * 7) % skus.length], quantity: 1 + (i % 2) });
      }
      n++;
      const started = performance.now();
      const placed = await call(
        'POST',
        '/api/orders',
        token,
        { shippingAddress: ADDRESS, paymentToken: 'tok_visa' },
        { 'idempotency-key': randomUUID() },
      );
      const placingMs = performance.now() - started;
      if (placed.status !== 202 || !placed.body) {
        if (measuring) failures++;
        continue;
      }
      let order = placed.body;
      while (order.status === 'pending') {
        if (options.follow === 'poll') await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        const query = options.follow === 'wait' ? `?wait=${WAIT_SECONDS}` : '';
        order = (await call('GET', `/api/orders/${placed.body.id}${query}`, token)).body ?? order;
      }
      if (!measuring) continue;
      if (order.status === 'confirmed') {
        confirmed++;
        // The order's own history times the saga exactly; the poll only notices it ended.
        const at = (detail: string) => Date.parse(order.history.find((h) => h.detail === detail)?.at ?? '');
        latencies.push(at('payment captured') - at('placed') + placingMs);
        let previous = 'placed';
        for (const step of STEPS) {
          stages.get(step)?.push(at(step) - at(previous));
          previous = step;
        }
      } else {
        cancelled++;
      }
    }
  };

  progress(`${bus}: ${options.shoppers} shoppers checking out, ${options.warmUpSeconds} s warm-up, ${options.seconds} s measured…`);
  const loops = tokens.map(shopper);
  await new Promise((resolve) => setTimeout(resolve, options.warmUpSeconds * 1000));
  measuring = true;
  const from = performance.now();
  // Read while the shoppers go on, so the window's counters start with its first orders.
  const begun = costs.begin();
  await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
  measuring = false;
  const elapsed = (performance.now() - from) / 1000;
  await begun;
  await costs.end();
  stopping = true;
  await Promise.all(loops);
  await pool.close();
  await costs.afterRun();
  latencies.sort((a, b) => a - b);
  return {
    bus,
    confirmedPerSecond: Math.round((confirmed / elapsed) * 10) / 10,
    confirmed,
    cancelled,
    failures,
    p50Ms: ms(percentile(latencies, 50)),
    p99Ms: ms(percentile(latencies, 99)),
    stepP50Ms: Object.fromEntries([...stages].map(([step, values]) => [step, median(values)])),
    costs: costs.report(confirmed),
  };
}

/**
 * One row: a platform on `bus`, the shoppers, and what each order cost; a NATS row's stream is deleted
 * after. With `history`, the platform's databases get that many settled orders once `mercato up` has
 * migrated them, before the shop is stocked (bench/lib/order-history.ts); `label` names the row's tables.
 */
async function checkoutOnPlatform(
  bus: string,
  env: NodeJS.ProcessEnv,
  options: { shoppers: number; seconds: number; warmUpSeconds: number; follow: Follow; topStatements: number },
  progress: (line: string) => void,
  run: { label: string; history?: { orders: number; dataKey: string } },
): Promise<CheckoutFigures> {
  const natsUrl = bus === 'nats' ? process.env.NATS_URL : undefined;
  const namespace = `bench${process.pid}`;
  const busEnv = natsUrl ? { NATS_URL: natsUrl, MERCATO_BUS_NAMESPACE: namespace } : { NATS_URL: '' };
  try {
    return await withPlatform({ ...env, ...busEnv }, progress, async (platform, where) => {
      const history = run.history ? await seedOrderHistoryInto(where, run.history.orders, run.history.dataKey, progress) : undefined;
      const { accessToken } = await json<{ accessToken: string }>(`${platform.gatewayUrl}/api/auth/login`, { method: 'POST', body: ADMIN });
      const costs = await CostProbe.open(
        {
          supervisorPid: platform.child.pid ?? 0,
          prefix: where.prefix,
          dataDir: where.dataDir,
          bus: natsUrl ? 'nats' : 'pgboss',
          label: run.label,
          adminToken: accessToken,
          natsNamespace: namespace,
          topStatements: options.topStatements,
        },
        progress,
      );
      try {
        return { ...(await measureCheckout(platform.gatewayUrl, bus, options, costs, progress)), history };
      } finally {
        await costs.close();
      }
    });
  } finally {
    if (natsUrl) {
      const nc = await connect({ servers: natsUrl });
      await (await jetstreamManager(nc)).streams.delete(streamName(namespace)).catch(() => undefined);
      await nc.close();
    }
  }
}

export const scenario: Scenario = {
  name: 'checkout',
  description:
    'virtual shoppers add to cart, place orders and poll until final: confirmed orders/s, place→confirmed latency, ' +
    'what one order costs (CPU per process, SQL and transactions per database, HTTP requests, bus messages) and memory per process',
  options:
    '[--duration 20] [--shoppers 50] [--buses pgboss,nats] [--follow wait|poll] [--statements N] [--history N] [--tracing off,1,default] [--profile PROCESS:DIR]',
  async run(args, progress) {
    const { values } = parseArgs({
      args,
      options: {
        duration: { type: 'string', default: '20' },
        shoppers: { type: 'string', default: '50' },
        statements: { type: 'string', default: '0' },
        follow: { type: 'string', default: 'wait' },
        buses: { type: 'string', default: 'pgboss,nats' },
        history: { type: 'string', default: '0' },
        tracing: { type: 'string' },
        profile: { type: 'string' },
      },
    });
    // Issue 10: the cost of tracing, one platform per setting in one run (ratios against the first).
    const tracing = tracingSettings(values.tracing);
    const seconds = positiveInteger('duration', values.duration);
    const shoppers = positiveInteger('shoppers', values.shoppers);
    const buses = values.buses.split(',');
    if (values.follow !== 'wait' && values.follow !== 'poll') throw new RangeError('--follow is wait or poll');
    const follow: Follow = values.follow;
    const topStatements = values.statements === '0' ? 0 : positiveInteger('statements', values.statements);
    // Issue 9: each bus is measured on the empty store, then on a store holding this many orders of history.
    const historyOrders = values.history === '0' ? 0 : positiveInteger('history', values.history);
    const historyName = `${historyOrders.toLocaleString('en')} orders of history`;
    // The platform's data key, set by the bench so that the history's addresses are encrypted as the orders service reads them.
    const dataKey = randomBytes(32).toString('base64');
    const env = {
      ...GENEROUS_RATE_LIMITS,
      MERCATO_SEED: 'none',
      MERCATO_ADMIN_EMAIL: ADMIN.email,
      MERCATO_ADMIN_PASSWORD: ADMIN.password,
      // The embedded PostgreSQL preloads pg_stat_statements, for the SQL statements per order.
      MERCATO_PG_STAT_STATEMENTS: '1',
      ...(values.profile ? { MERCATO_CPU_PROFILE: values.profile } : {}),
      ...(historyOrders ? { MERCATO_DATA_KEY: dataKey } : {}),
    };
    const results: CheckoutFigures[] = [];
    for (const bus of buses) {
      if (bus === 'nats' && !process.env.NATS_URL) {
        progress('nats row skipped: set NATS_URL (e.g. nats://127.0.0.1:4222) to measure the NATS adapter');
        continue;
      }
      const options = { shoppers, seconds, warmUpSeconds: 5, follow, topStatements };
      if (tracing) {
        for (const setting of tracing) {
          const row = await checkoutOnPlatform(bus, { ...env, ...setting.env }, options, progress, {
            label: `${bus}, tracing ${setting.label}`,
          });
          results.push({ ...row, tracing: setting.label });
        }
        continue;
      }
      if (!historyOrders) {
        results.push(await checkoutOnPlatform(bus, env, options, progress, { label: bus }));
        continue;
      }
      results.push(await checkoutOnPlatform(bus, env, options, progress, { label: `${bus}, empty store` }));
      results.push(
        await checkoutOnPlatform(bus, env, options, progress, {
          label: `${bus}, ${historyName}`,
          history: { orders: historyOrders, dataKey },
        }),
      );
    }
    const rows = results.map((r) => ({
      bus: r.bus,
      ...(r.tracing ? { tracing: r.tracing } : {}),
      ...(historyOrders ? { store: r.history ? historyName : 'empty' } : {}),
      'confirmed/s': r.confirmedPerSecond,
      confirmed: r.confirmed,
      cancelled: r.cancelled,
      'failed placements': r.failures,
      'place→confirmed p50 ms': r.p50Ms,
      'place→confirmed p99 ms': r.p99Ms,
      ...Object.fromEntries(Object.entries(r.stepP50Ms).map(([step, value]) => [`${step} p50 ms`, value])),
    }));
    const summary: Record<string, string | number> = {};
    for (const bus of buses) {
      const [baseline, ...others] = results.filter((r) => r.bus === bus && r.tracing);
      for (const r of others)
        if (baseline)
          summary[`${bus} tracing ${r.tracing} / ${baseline.tracing} confirmed/s`] = ratio(
            r.confirmedPerSecond,
            baseline.confirmedPerSecond,
          );
    }
    const empty = results.filter((r) => !r.history && (!r.tracing || r.tracing === results[0]?.tracing));
    const [first, second] = empty;
    if (first && second) summary[`${second.bus}/${first.bus} confirmed/s`] = ratio(second.confirmedPerSecond, first.confirmedPerSecond);
    for (const r of results) {
      const before = empty.find((e) => e.bus === r.bus);
      if (!r.history || !before) continue;
      const { orders, inboxRows, seconds: seeded } = r.history;
      summary[`${r.bus} history`] =
        `${orders.toLocaleString('en')} orders and ${inboxRows.toLocaleString('en')} inbox rows (per table: the history table above), seeded and vacuum-analyzed in ${seeded} s`;
      summary[`${r.bus} history/empty confirmed/s`] = ratio(r.confirmedPerSecond, before.confirmedPerSecond);
      summary[`${r.bus} history/empty place→confirmed p50`] = ratio(r.p50Ms, before.p50Ms);
    }
    for (const r of results) Object.assign(summary, r.costs.summary);
    summary.aim = '≥ 200 confirmed/s, p99 place→confirmed < 1000 ms';
    if (historyOrders) summary['history aim'] = 'history/empty confirmed/s ≥ 0.90 (issue 9: within 10% of the empty store)';
    return { rows, summary, tables: results.flatMap((r) => [...(r.history ? [r.history.table] : []), ...r.costs.tables]) };
  },
};
