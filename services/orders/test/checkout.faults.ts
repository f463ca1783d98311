// biome-ignore-all lint/suspicious/noExplicitAny: a black-box test reads untyped JSON answers
/**
 * `npm run test:faults`: infrastructure faults in the middle of a checkout burst, each bounded and
 * automatic, against the whole platform as `npm start` runs it. The platform uses this test's own
 * embedded PostgreSQL (never the machine's daemons), with the bus and the registry reached through
 * TCP proxies the test can cut. Per fault: orders lost (must be 0), double captures (must be 0), placements that
 * failed at first try (the shopper retried with the same Idempotency-Key), and the time from the
 * end of the fault until a new checkout is confirmed. docs/reliability.md tabulates the results.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, launchPlatform, type PlatformProcess, provisionServiceDatabases, startEmbeddedPostgres } from '@mercato/cli';
import { createTcpProxy, type TcpProxy } from '@mercato/kit/testing';
import { call, checkoutPlatformEnv, Shopper, stockOneProduct } from './support/shop.ts';

const ADMIN = { email: 'admin@faults.test', password: 'admin password 123' };
const SKU = 'FAULT-1';
const BURST = 20;
const prefix = `t_faults_${process.pid}`;

let pgDir: string;
let dataDir: string;
let cluster: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
let busProxy: TcpProxy;
let registryProxy: TcpProxy;
let platform: PlatformProcess;
let base: string;
let admin: string;
const results: Record<string, unknown>[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pidOf = (name: string) => platform.table.get(name)?.pid ?? assert.fail(`no ${name} in the status table`);

/** Places with one key, retrying what the platform could not answer (network errors, 5xx) like a careful client. */
async function placeWithRetries(shopper: Shopper, deadline: number): Promise<{ orderId?: string; firstFailed: boolean }> {
  const key = randomUUID();
  let firstFailed = false;
  for (;;) {
    try {
      const answer = await shopper.place('tok_visa', key);
      if (answer.status === 202 || answer.status === 200) return { orderId: answer.body.id, firstFailed };
      if (answer.status < 500 && answer.status !== 429)
        throw new Error(`placement refused: ${answer.status} ${JSON.stringify(answer.body)}`);
    } catch (error) {
      if ((error as Error).message.startsWith('placement refused')) throw error;
    }
    firstFailed = true;
    if (Date.now() > deadline) return { firstFailed };
    await sleep(500);
  }
}

/** The order once it is final, or undefined if it is still not after the bound (a lost order). */
async function finalOrder(shopper: Shopper, orderId: string, deadline: number): Promise<any> {
  while (Date.now() < deadline) {
    const answer = await shopper.call('GET', `/api/orders/${orderId}`).catch(() => undefined);
    if (answer?.status === 200 && answer.body.status !== 'pending') return answer.body;
    await sleep(250);
  }
  return undefined;
}

async function probeCheckout(deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    try {
      const shopper = await Shopper.register(base, 'probe');
      await shopper.add(SKU, 1);
      const placed = await shopper.place('tok_visa');
      if (placed.status === 202 && (await finalOrder(shopper, placed.body.id, Date.now() + 20_000))?.status === 'confirmed') return true;
    } catch {
      // not yet
    }
    await sleep(250);
  }
  return false;
}

/** A burst of BURST checkouts with `fault` injected 200 ms in; returns the fault's row. */
async function burstThrough(name: string, fault: () => Promise<void>): Promise<Record<string, unknown>> {
  const shoppers = await Promise.all(Array.from({ length: BURST }, (_, i) => Shopper.register(base, `burst${i}`)));
  for (const shopper of shoppers) await shopper.add(SKU, 1);
  const deadline = Date.now() + 90_000;
  const placing = shoppers.map((shopper) => placeWithRetries(shopper, deadline));
  await sleep(200);
  const faultStarted = Date.now();
  await fault();
  const faultEnded = Date.now();
  const placements = await Promise.all(placing);
  const finals = await Promise.all(
    placements.map((p, i) => (p.orderId ? finalOrder(shoppers[i] as Shopper, p.orderId, Date.now() + 60_000) : Promise.resolve(undefined))),
  );
  const recovered = await probeCheckout(Date.now() + 60_000);
  const recoverySeconds = (Date.now() - faultEnded) / 1000;
  let doubleCaptures = 0;
  for (const order of finals.filter(Boolean)) {
    const payment = await call(base, 'GET', `/api/admin/payments/${order.id}`, { token: admin });
    if (payment.status === 200 && payment.body.ledger.filter((e: any) => e.kind === 'capture').length > 1) doubleCaptures += 1;
  }
  const row = {
    fault: name,
    faultSeconds: (faultEnded - faultStarted) / 1000,
    placed: placements.filter((p) => p.orderId).length,
    ordersLost: placements.filter((p, i) => !p.orderId || !finals[i]).length,
    confirmed: finals.filter((o) => o?.status === 'confirmed').length,
    cancelled: finals.filter((o) => o?.status === 'cancelled').length,
    doubleCaptures,
    firstTryFailures: placements.filter((p) => p.firstFailed).length,
    recovered,
    recoverySeconds: Number(recoverySeconds.toFixed(1)),
  };
  results.push(row);
  process.stdout.write(`fault result: ${JSON.stringify(row)}\n`);
  return row;
}

function assertHeld(row: Record<string, unknown>) {
  assert.equal(row.ordersLost, 0, JSON.stringify(row));
  assert.equal(row.doubleCaptures, 0, JSON.stringify(row));
  assert.equal(row.recovered, true, JSON.stringify(row));
}

before(async () => {
  pgDir = await mkdtemp(join(tmpdir(), 'mercato-faults-pg-'));
  await chmod(pgDir, 0o755);
  cluster = await startEmbeddedPostgres(pgDir, () => undefined);
  const urls = await provisionServiceDatabases(cluster.adminUrl, prefix, ['bus']);
  const bus = new URL(urls.get('bus') ?? assert.fail('no bus database'));
  busProxy = await createTcpProxy(bus.hostname, Number(bus.port));
  bus.port = String(busProxy.port);
  // Every instance reaches the registry through a proxy the test can cut; the registry itself listens behind it.
  const registryPort = await freePort();
  registryProxy = await createTcpProxy('127.0.0.1', registryPort);
  dataDir = await mkdtemp(join(tmpdir(), 'mercato-faults-'));
  await chmod(dataDir, 0o755);
  platform = await launchPlatform({
    MERCATO_DATA_DIR: dataDir,
    GATEWAY_PORT: String(await freePort()),
    MERCATO_DB_PREFIX: prefix,
    DATABASE_URL: cluster.adminUrl,
    BUS_DATABASE_URL: bus.toString(),
    MERCATO_REGISTRY_PORT: String(registryPort),
    MERCATO_REGISTRY_URL: `http://127.0.0.1:${registryProxy.port}`,
    ...checkoutPlatformEnv(ADMIN),
  });
  base = platform.gatewayUrl;
  admin = await stockOneProduct(base, ADMIN, { slug: 'fault-1', name: 'Fault mug', sku: SKU, amount: 1200, onHand: 10_000 });
});

after(async () => {
  process.stdout.write(`\nfault results (docs/reliability.md):\n${results.map((r) => JSON.stringify(r)).join('\n')}\n`);
  await platform?.stop();
  await busProxy?.close();
  await registryProxy?.close();
  await cluster?.stop();
  await rm(dataDir, { recursive: true, force: true });
  await rm(pgDir, { recursive: true, force: true });
});

describe('checkouts through infrastructure faults', () => {
  it('the bus (pg-boss) cut off for 5 s', async () => {
    assertHeld(
      await burstThrough('bus cut off 5 s (TCP proxy)', async () => {
        busProxy.cut();
        await sleep(5_000);
        busProxy.restore();
      }),
    );
  });

  it('the registry cut off for 5 s (every instance loses it: heartbeats, watch streams)', async () => {
    assertHeld(
      await burstThrough('registry cut off 5 s (TCP proxy)', async () => {
        registryProxy.cut();
        await sleep(5_000);
        registryProxy.restore();
      }),
    );
  });

  it('the registry paused for 5 s (SIGSTOP, then SIGCONT)', async () => {
    const pid = pidOf('registry');
    assertHeld(
      await burstThrough('registry paused 5 s (SIGSTOP)', async () => {
        process.kill(pid, 'SIGSTOP');
        await sleep(5_000);
        process.kill(pid, 'SIGCONT');
      }),
    );
  });

  it('payments paused for 5 s (SIGSTOP, then SIGCONT)', async () => {
    const pid = pidOf('payments');
    assertHeld(
      await burstThrough('payments paused 5 s (SIGSTOP)', async () => {
        process.kill(pid, 'SIGSTOP');
        await sleep(5_000);
        process.kill(pid, 'SIGCONT');
      }),
    );
  });

  it('the registry killed (SIGKILL; the supervisor restarts it)', async () => {
    const pid = pidOf('registry');
    assertHeld(
      await burstThrough('registry killed (SIGKILL)', async () => {
        process.kill(pid, 'SIGKILL');
      }),
    );
  });

  it("the test's own PostgreSQL restarted (every service's database and the bus)", async () => {
    assertHeld(
      await burstThrough('PostgreSQL restarted (stop, 2 s, start)', async () => {
        await cluster.stop();
        await sleep(2_000);
        cluster = await startEmbeddedPostgres(pgDir, () => undefined);
      }),
    );
  });
});
