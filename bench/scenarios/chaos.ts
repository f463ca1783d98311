import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, launchPlatform, type PlatformProcess } from '@mercato/cli';
import { Pool } from 'undici';
import { positiveInteger, ratio } from '../lib/measure-targets.ts';
import type { Scenario } from '../lib/scenario.ts';
import { GENEROUS_RATE_LIMITS, json, registerShoppers } from '../lib/shoppers.ts';
import { ms, percentile } from '../lib/stats.ts';

/**
 * `npm run bench -- chaos`: the checkout load of `bench checkout` (virtual shoppers: view a product,
 * add to cart, place, follow the order) on one platform, first quiet and then with `mercato chaos`
 * running beside it, in the same run; then the platform settles and every acknowledged order is
 * read back. Unlike `bench checkout`'s shoppers, these are careful clients: a placement that gets a
 * network error, a 5xx or a 429 is sent again with the same Idempotency-Key, and a failed read is read
 * again — what is counted is how often the first try failed. A scenario of its own rather than a
 * `--chaos` option of `bench checkout`: that one measures cost per order and retries nothing (a
 * retry would blur its figures), this one measures what survives and retries everything a client may.
 */

const ADMIN = { email: 'bench-admin@shop.test', password: 'bench admin password' };
const PRODUCTS = 20;
const ADDRESS = { line1: '1 Bench Way', city: 'Loadville', postalCode: '10001', country: 'US' };
const WARM_UP_SECONDS = 5;
/** After chaos: every acknowledged order must be final within this (the saga's step deadline is 30 s). */
const SETTLE_MS = 90_000;
const RETRY_MS = 200;
const BIN = fileURLToPath(new URL('./bin.ts', import.meta.resolve('@mercato/cli')));

type Phase = 'no chaos' | 'chaos';

interface PhaseFigures {
  phase: Phase;
  seconds: number;
  /** Placements acknowledged (202, or 200 for a replayed key) while the phase ran. */
  placed: number;
  /** Orders seen confirmed by their shopper while the phase ran. */
  confirmedInWindow: number;
  placeToConfirmedMs: number[];
  /** Placements whose first request failed (network error, 5xx, 429) and were sent again with the same key. */
  placementsRetried: number;
  /** Placements never acknowledged before the client gave up (the bound is SETTLE_MS). */
  abandoned: number;
  /** Placements the platform answered with a 4xx other than 429 (never retried). */
  refused: string[];
  /** GETs of a product or an order (idempotent reads), and those that failed (network error or 5xx). */
  reads: number;
  failedReads: number;
  /** "GET /api/orders: 503 orders is unreachable right now…" → how many first tries failed so. */
  failedReadCauses: Map<string, number>;
  /** Orders acknowledged in this phase, for the check after settling. */
  orders: { id: string; token: string }[];
}

const emptyPhase = (phase: Phase): PhaseFigures => ({
  phase,
  seconds: 0,
  placed: 0,
  confirmedInWindow: 0,
  placeToConfirmedMs: [],
  placementsRetried: 0,
  abandoned: 0,
  refused: [],
  reads: 0,
  failedReads: 0,
  failedReadCauses: new Map(),
  orders: [],
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const retryable = (status: number) => status >= 500 || status === 429;

/** "out_of_stock 2, expired 1" from outcomes such as "cancelled: expired"; "-" when none was cancelled. */
function cancelReasons(outcomes: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const o of outcomes) if (o.startsWith('cancelled: ')) counts.set(o.slice(11), (counts.get(o.slice(11)) ?? 0) + 1);
  return counts.size === 0 ? '-' : [...counts].map(([reason, n]) => `${reason} ${n}`).join(', ');
}

/** `kill-every=5s,pause=3s` → `--kill-every 5s --pause 3s`: the flags of `mercato chaos`. */
function chaosFlags(spec: string, seed: string, seconds: number): string[] {
  const flags = ['--duration', `${seconds}s`, '--seed', seed];
  for (const part of spec.split(',').filter(Boolean)) {
    const [name, value] = part.split('=');
    if (!name || !['kill-every', 'pause', 'slow-db', 'spare-registry'].includes(name))
      throw new RangeError(`--chaos takes kill-every=5s[,pause=3s][,slow-db=200ms][,spare-registry] (got ${JSON.stringify(part)})`);
    flags.push(`--${name}`, ...(value === undefined ? [] : [value]));
  }
  return flags;
}

async function stockTheShop(gatewayUrl: string, token: string): Promise<{ sku: string; slug: string }[]> {
  const products: { sku: string; slug: string }[] = [];
  for (let i = 0; i < PRODUCTS; i++) {
    const product = { sku: `CHAOS-${i}`, slug: `chaos-item-${i}` };
    await json(`${gatewayUrl}/api/products`, {
      method: 'POST',
      token,
      expect: 201,
      body: {
        slug: product.slug,
        name: `Chaos item ${i}`,
        description: 'a product for the chaos benchmark',
        category: 'bench',
        price: { amount: 500 + i * 100, currency: 'USD' },
        sku: product.sku,
        images: [],
        attributes: {},
      },
    });
    await json(`${gatewayUrl}/api/inventory/${product.sku}`, { method: 'PUT', token, body: { onHand: 10_000_000 } });
    products.push(product);
  }
  return products;
}

/** `mercato chaos` as a user runs it, its lines kept for the results. */
function startChaos(dataDir: string, flags: string[], progress: (line: string) => void): { child: ChildProcess; done: Promise<string[]> } {
  const child = spawn(process.execPath, [BIN, 'chaos', ...flags], {
    env: { ...process.env, MERCATO_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  const collect = (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const complete = text.split('\n');
    partial = complete.pop() ?? '';
    for (const line of complete) {
      lines.push(line);
      progress(`chaos | ${line}`);
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const done = new Promise<string[]>((resolve, reject) =>
    child.on('exit', (code) => {
      if (partial) lines.push(partial);
      if (code === 0) resolve(lines);
      else reject(new Error(`mercato chaos ${flags.join(' ')} exited with ${code}:\n${lines.join('\n')}`));
    }),
  );
  return { child, done };
}

export const scenario: Scenario = {
  name: 'chaos',
  description:
    'checkouts by careful shoppers (Idempotency-Key retries) without and then with `mercato chaos` beside them, then settling: ' +
    'orders lost and stuck pending (must be 0), failed idempotent reads, confirmed orders/s with and without chaos',
  options:
    '[--duration 30] [--shoppers 20] [--chaos kill-every=5s[,pause=3s][,slow-db=200ms][,spare-registry]] [--seed N] [--scale service=n ...]',
  async run(args, progress) {
    const { values } = parseArgs({
      args,
      options: {
        duration: { type: 'string', default: '30' },
        shoppers: { type: 'string', default: '20' },
        chaos: { type: 'string', default: 'kill-every=5s' },
        seed: { type: 'string', default: '1' },
        scale: { type: 'string', multiple: true },
      },
    });
    const seconds = positiveInteger('duration', values.duration);
    const shopperCount = positiveInteger('shoppers', values.shoppers);
    const flags = chaosFlags(values.chaos, values.seed, seconds);
    const upArgs = (values.scale ?? []).flatMap((s) => ['--scale', s]);

    const dataDir = await mkdtemp(join(tmpdir(), 'mercato-bench-chaos-'));
    // The embedded PostgreSQL runs as user postgres, which must traverse the folder.
    await chmod(dataDir, 0o755);
    let platform: PlatformProcess | undefined;
    try {
      progress(`starting the platform (mercato up ${upArgs.join(' ')})…`);
      platform = await launchPlatform(
        {
          ...GENEROUS_RATE_LIMITS,
          MERCATO_DATA_DIR: dataDir,
          GATEWAY_PORT: String(await freePort()),
          // Its own embedded PostgreSQL (which --slow-db needs) and the pg-boss bus, as `npm start` runs.
          DATABASE_URL: '',
          NATS_URL: '',
          MERCATO_SEED: 'none',
          MERCATO_ADMIN_EMAIL: ADMIN.email,
          MERCATO_ADMIN_PASSWORD: ADMIN.password,
        },
        upArgs,
      );
      const gatewayUrl = platform.gatewayUrl;
      progress(`platform ready in ${platform.readySeconds} s at ${gatewayUrl}`);
      const { accessToken: adminToken } = await json<{ accessToken: string }>(`${gatewayUrl}/api/auth/login`, {
        method: 'POST',
        body: ADMIN,
      });
      const products = await stockTheShop(gatewayUrl, adminToken);
      progress(`registering ${shopperCount} shoppers…`);
      const tokens = await registerShoppers(gatewayUrl, shopperCount);

      const pool = new Pool(gatewayUrl, { connections: shopperCount * 2, keepAliveTimeout: 10_000 });
      const call = async (method: 'GET' | 'POST', path: string, token: string, body?: unknown, headers: Record<string, string> = {}) => {
        const answer = await pool.request({
          method,
          path,
          headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
          body: body ? JSON.stringify(body) : undefined,
          headersTimeout: 30_000,
          bodyTimeout: 30_000,
        });
        const text = await answer.body.text();
        // biome-ignore lint/suspicious/noExplicitAny: the load generator reads untyped JSON answers
        return { status: answer.statusCode, body: (text ? JSON.parse(text) : undefined) as any };
      };

      let current: PhaseFigures | undefined; // undefined: warming up, figures not kept
      const phases: PhaseFigures[] = [];
      let stopping = false;

      /** An idempotent GET, again until it answers: counted once, failed if its first try failed. */
      const read = async (path: string, token: string, until: number) => {
        const figures = current;
        if (figures) figures.reads++;
        let first = true;
        while (Date.now() < until) {
          const answer = await call('GET', path, token).catch(() => undefined);
          if (answer && !retryable(answer.status)) return answer;
          if (first && figures) {
            figures.failedReads++;
            const route = path.split('?')[0]?.split('/').slice(0, 3).join('/');
            const cause = `GET ${route}: ${answer ? `${answer.status} ${answer.body?.detail ?? ''}` : 'no answer'}`;
            figures.failedReadCauses.set(cause, (figures.failedReadCauses.get(cause) ?? 0) + 1);
          }
          first = false;
          await sleep(RETRY_MS);
        }
        return undefined;
      };

      const shopper = async (token: string, index: number) => {
        let n = index;
        while (!stopping) {
          n++;
          const deadline = Date.now() + SETTLE_MS;
          const product = products[n % products.length] ?? products[0];
          if (!product) return;
          await read(`/api/products/${product.slug}`, token, deadline);
          let added = false;
          while (!added && Date.now() < deadline) {
            const answer = await call('POST', '/api/cart/items', token, { sku: product.sku, quantity: 1 + (n % 2) }).catch(() => undefined);
            added = answer?.status === 200;
            if (!added) await sleep(RETRY_MS);
          }
          const figures = current;
          const key = randomUUID();
          const started = performance.now();
          let placed: { id: string; status: string } | undefined;
          let retried = false;
          while (!placed && Date.now() < deadline) {
            const answer = await call(
              'POST',
              '/api/orders',
              token,
              { shippingAddress: ADDRESS, paymentToken: 'tok_visa' },
              { 'idempotency-key': key },
            ).catch(() => undefined);
            if (answer?.status === 202 || answer?.status === 200) placed = answer.body;
            else if (answer && !retryable(answer.status)) {
              // The platform's answer, not a failure to answer (an empty cart after a lost add, say): counted, never retried.
              if (figures) figures.refused.push(`${answer.status} ${answer.body?.type ?? ''}`.trim());
              break;
            } else {
              if (figures && !retried) figures.placementsRetried++;
              retried = true;
              await sleep(RETRY_MS);
            }
          }
          if (!placed) {
            if (figures && Date.now() >= deadline) figures.abandoned++;
            continue;
          }
          let order = placed;
          // Attributed to the phase it was acknowledged in.
          const placedIn = current;
          if (placedIn) {
            placedIn.placed++;
            placedIn.orders.push({ id: order.id, token });
          }
          while (order.status === 'pending' && Date.now() < deadline) {
            const answer = await read(`/api/orders/${order.id}?wait=5`, token, deadline);
            if (answer?.status === 200) order = answer.body;
            else await sleep(RETRY_MS);
          }
          // Counted in the phase it was seen confirmed in, wherever it was placed: confirmations per second of each window.
          if (order.status === 'confirmed' && current) {
            current.confirmedInWindow++;
            current.placeToConfirmedMs.push(performance.now() - started);
          }
        }
      };

      progress(`${shopperCount} shoppers checking out, ${WARM_UP_SECONDS} s warm-up…`);
      const loops = tokens.map(shopper);
      await sleep(WARM_UP_SECONDS * 1000);

      current = emptyPhase('no chaos');
      phases.push(current);
      progress(`measuring ${seconds} s without chaos…`);
      let from = performance.now();
      await sleep(seconds * 1000);
      current.seconds = (performance.now() - from) / 1000;

      current = emptyPhase('chaos');
      phases.push(current);
      progress(`measuring ${seconds} s with mercato chaos ${flags.join(' ')}…`);
      from = performance.now();
      const chaos = startChaos(dataDir, flags, progress);
      let chaosLines: string[];
      try {
        chaosLines = await chaos.done;
      } catch (error) {
        const up = platform;
        throw new Error(
          `${(error as Error).message}\nmercato up (exit ${up.child.exitCode ?? 'none yet'}) said last:\n${up.output().slice(-3000)}`,
        );
      } finally {
        current.seconds = (performance.now() - from) / 1000;
        current = undefined;
        stopping = true;
      }
      progress('chaos over; letting the shoppers finish their orders and the platform settle…');
      const settleFrom = performance.now();
      await Promise.all(loops);

      // Every acknowledged order, read back: lost if it is not found or never leaves `pending`.
      const settleBy = Date.now() + SETTLE_MS;
      const outcome = async ({ id, token }: { id: string; token: string }) => {
        while (Date.now() < settleBy) {
          const answer = await call('GET', `/api/orders/${id}?wait=5`, token).catch(() => undefined);
          if (answer?.status === 404) return 'not found';
          if (answer?.status === 200 && answer.body.status === 'cancelled') {
            // The timeline says why: "cancelling: step authorizing missed its deadline".
            const history = (answer.body.history ?? []) as { detail?: string }[];
            const why = history.find((h) => h.detail?.startsWith('cancelling: '))?.detail?.slice(12);
            return `cancelled: ${answer.body.cancelReason ?? 'no reason'}${why ? ` (${why})` : ''}`;
          }
          if (answer?.status === 200 && answer.body.status !== 'pending') return answer.body.status as string;
          if (answer?.status !== 200) await sleep(RETRY_MS);
        }
        return 'pending';
      };
      const outcomes = await Promise.all(phases.map((p) => Promise.all(p.orders.map(outcome))));
      // Orders no shopper was told about count too: any order still pending anywhere is stuck.
      let stuck = Number.NaN;
      while (Date.now() < settleBy) {
        const answer = await call('GET', '/api/admin/orders?status=pending&limit=100', adminToken).catch(() => undefined);
        stuck = answer?.status === 200 ? answer.body.items.length : Number.NaN;
        if (stuck === 0) break;
        await sleep(1000);
      }
      const settleSeconds = (performance.now() - settleFrom) / 1000;
      await pool.close();

      const rows = phases.map((p, i) => {
        const finals = outcomes[i] ?? [];
        const latencies = [...p.placeToConfirmedMs].sort((a, b) => a - b);
        return {
          phase: p.phase,
          'confirmed/s': Number((p.confirmedInWindow / p.seconds).toFixed(1)),
          placed: p.placed,
          confirmed: finals.filter((s) => s === 'confirmed').length,
          cancelled: finals.filter((s) => s.startsWith('cancelled')).length,
          'cancelled for': cancelReasons(finals),
          lost: finals.filter((s) => s === 'not found' || s === 'pending').length,
          'placements retried': p.placementsRetried,
          abandoned: p.abandoned,
          refused: p.refused.length,
          'idempotent reads': p.reads,
          'failed reads': p.failedReads,
          'failed reads %': Number(((100 * p.failedReads) / Math.max(1, p.reads)).toFixed(3)),
          'place→confirmed p50 ms': ms(percentile(latencies, 50)),
          'place→confirmed p99 ms': ms(percentile(latencies, 99)),
        };
      });
      const [quiet, chaotic] = rows;
      const actions = chaosLines
        .map((line) => /^(\S+)\s+(kill|pause|resume|slow-db|skip)\s+(\S+)\s+pid (\S+)\s*(.*)$/.exec(line))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => ({ time: m[1] ?? '', action: m[2] ?? '', process: m[3] ?? '', pid: m[4] ?? '', note: m[5] ?? '' }));
      const summary: Record<string, string | number> = {
        chaos: `mercato chaos ${flags.join(' ')}`,
        'chaos actions': actions.filter((a) => a.action !== 'resume').length,
        'lost orders (must be 0)': rows.reduce((sum, r) => sum + r.lost, 0),
        'stuck pending after settling (must be 0)': Number.isNaN(stuck) ? 'unknown: the admin listing did not answer' : stuck,
        'settled in s': Number(settleSeconds.toFixed(1)),
      };
      if (quiet && chaotic) summary['chaos/no chaos confirmed/s'] = ratio(chaotic['confirmed/s'], quiet['confirmed/s']);
      summary.aim = '0 lost, 0 stuck, failed idempotent reads < 0.1 %';
      const failedReads = phases.flatMap((p) => [...p.failedReadCauses].map(([cause, count]) => ({ phase: p.phase, cause, count })));
      const tables = [{ title: 'chaos actions', rows: actions }];
      if (failedReads.length > 0) tables.push({ title: 'failed first tries of idempotent reads', rows: failedReads as never });
      return { rows, summary, tables };
    } finally {
      if (platform) {
        progress('stopping the platform');
        await platform.stop();
      }
      await rm(dataDir, { recursive: true, force: true });
    }
  },
};
