// biome-ignore-all lint/suspicious/noExplicitAny: a black-box test reads untyped JSON answers
/**
 * `npm run test:faults`: a short, bounded chaos run. The whole platform as `npm start` runs it (its
 * own embedded PostgreSQL in a temporary data dir), shoppers checking out in a loop while the real
 * `mercato chaos --kill-every 3s --duration 30s` SIGKILLs one random service instance every 3 s
 * (the registry included, never the last gateway). A shopper retries what the platform could not
 * answer (network errors, 5xx, 429) with the same Idempotency-Key, as a careful client does. After
 * chaos stops and the orders settle: no acknowledged order lost, none stuck in `pending`, and a new
 * checkout confirms. docs/reliability.md ("Chaos") has the figures.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, launchPlatform, type PlatformProcess } from '@mercato/cli';
import { call, checkoutPlatformEnv, Shopper, stockOneProduct } from './support/shop.ts';

const ADMIN = { email: 'admin@chaos.test', password: 'admin password 123' };
const SKU = 'CHAOS-1';
const SHOPPERS = 8;
const CHAOS = ['--kill-every', '3s', '--duration', '30s'];
/** Once chaos stops: every acknowledged order must be final within this (the saga's step deadline is 30 s). */
const SETTLE_MS = 75_000;
const BIN = fileURLToPath(new URL('./bin.ts', import.meta.resolve('@mercato/cli')));

let dataDir: string;
let platform: PlatformProcess;
let base: string;
let admin: string;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Retried by the client: the platform could not answer, or asked to come back. */
const retryable = (status: number) => status >= 500 || status === 429;

/** Adds one unit, again until the cart answers (a second add after a lost answer only adds a unit). */
async function addWithRetries(shopper: Shopper, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const answer = await shopper.call('POST', '/api/cart/items', { sku: SKU, quantity: 1 }).catch(() => undefined);
    if (answer?.status === 200) return;
    if (answer && !retryable(answer.status)) throw new Error(`add to cart answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    await sleep(300);
  }
  throw new Error('add to cart never answered');
}

/** Places with one key, retrying network errors and 5xx; a 4xx is the platform's answer and ends it. */
async function placeWithRetries(shopper: Shopper, deadline: number): Promise<{ orderId?: string; refused?: string; retries: number }> {
  const key = randomUUID();
  let retries = 0;
  while (Date.now() < deadline) {
    const answer = await shopper.place('tok_visa', key).catch(() => undefined);
    if (answer?.status === 202 || answer?.status === 200) return { orderId: answer.body.id, retries };
    if (answer && !retryable(answer.status)) return { refused: `${answer.status} ${answer.body?.type ?? ''}`, retries };
    retries += 1;
    await sleep(300);
  }
  return { retries };
}

/** The order once it is no longer pending; undefined if it is not found or still pending at the deadline. */
async function settled(shopper: Shopper, orderId: string, deadline: number): Promise<any> {
  while (Date.now() < deadline) {
    const answer = await shopper.call('GET', `/api/orders/${orderId}?wait=5`).catch(() => undefined);
    if (answer?.status === 200 && answer.body.status !== 'pending') return answer.body;
    if (answer?.status !== 200) await sleep(300);
  }
  return undefined;
}

async function pendingOrders(): Promise<number> {
  const answer = await call(base, 'GET', '/api/admin/orders?status=pending&limit=100', { token: admin }).catch(() => undefined);
  return answer?.status === 200 ? answer.body.items.length : Number.NaN;
}

function runChaos(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [BIN, 'chaos', ...args], {
    env: { ...process.env, MERCATO_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    for (const line of chunk.toString('utf8').split('\n')) if (line) process.stdout.write(`chaos | ${line}\n`);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mercato-chaos-'));
  // The embedded PostgreSQL runs as user postgres, which must traverse the folder.
  await chmod(dataDir, 0o755);
  platform = await launchPlatform({
    MERCATO_DATA_DIR: dataDir,
    GATEWAY_PORT: String(await freePort()),
    // The platform's own embedded PostgreSQL and pg-boss, as `npm start` on a laptop.
    DATABASE_URL: '',
    NATS_URL: '',
    ...checkoutPlatformEnv(ADMIN),
  });
  base = platform.gatewayUrl;
  admin = await stockOneProduct(base, ADMIN, { slug: 'chaos-1', name: 'Chaos mug', sku: SKU, amount: 900, onHand: 100_000 });
});

after(async () => {
  await platform?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('checkouts while mercato chaos kills a service instance every 3 s', () => {
  it('loses no acknowledged order, leaves none pending, and checks out again after', async () => {
    const started = Date.now();
    // Registered before chaos: identity may be down at any moment during it.
    const shoppers = await Promise.all(Array.from({ length: SHOPPERS }, (_, i) => Shopper.register(base, `chaos${i}`)));
    const placed: { shopper: Shopper; orderId: string }[] = [];
    const refused: string[] = [];
    let retries = 0;
    let abandoned = 0;
    let chaosRunning = true;
    const chaos = runChaos(CHAOS).finally(() => {
      chaosRunning = false;
    });
    const loop = async (shopper: Shopper) => {
      while (chaosRunning) {
        const deadline = Date.now() + SETTLE_MS;
        await addWithRetries(shopper, deadline);
        const placement = await placeWithRetries(shopper, deadline);
        retries += placement.retries;
        if (placement.refused) refused.push(placement.refused);
        if (!placement.orderId) {
          if (!placement.refused) abandoned += 1;
          continue;
        }
        placed.push({ shopper, orderId: placement.orderId });
        // Follows it as the order page does, then shops again.
        await settled(shopper, placement.orderId, deadline);
      }
    };
    await Promise.all(shoppers.map(loop));
    const { code, output } = await chaos;
    const chaosEnded = Date.now();
    const kills = output.split('\n').filter((line) => /\bkill\b/.test(line)).length;

    const settleBy = Date.now() + SETTLE_MS;
    const finals = await Promise.all(placed.map(({ shopper, orderId }) => settled(shopper, orderId, settleBy)));
    let pending = await pendingOrders();
    while (pending !== 0 && Date.now() < settleBy) {
      await sleep(500);
      pending = await pendingOrders();
    }
    const probe = await Shopper.register(base, 'after-chaos');
    await addWithRetries(probe, Date.now() + 30_000);
    const probePlaced = await placeWithRetries(probe, Date.now() + 30_000);
    const probeFinal = probePlaced.orderId ? await settled(probe, probePlaced.orderId, Date.now() + 30_000) : undefined;

    const row = {
      chaos: `mercato chaos ${CHAOS.join(' ')}`,
      kills,
      placed: placed.length,
      lost: finals.filter((order) => !order).length,
      pendingAfterSettling: pending,
      confirmed: finals.filter((order) => order?.status === 'confirmed').length,
      cancelled: finals.filter((order) => order?.status === 'cancelled').length,
      placementRetries: retries,
      refused: refused.length,
      abandoned,
      settleSeconds: Number(((Date.now() - chaosEnded) / 1000).toFixed(1)),
      checkoutAfter: probeFinal?.status ?? 'none',
      testSeconds: Number(((Date.now() - started) / 1000).toFixed(1)),
    };
    process.stdout.write(`chaos result: ${JSON.stringify(row)}${refused.length ? ` refusals: ${refused.join(', ')}` : ''}\n`);
    assert.equal(code, 0, output);
    assert.match(output, /nothing left stopped/);
    assert.ok(kills >= 5, `chaos killed only ${kills} instances:\n${output}`);
    assert.ok(placed.length > 0, JSON.stringify(row));
    assert.equal(row.lost, 0, JSON.stringify(row));
    assert.equal(row.pendingAfterSettling, 0, JSON.stringify(row));
    assert.equal(row.checkoutAfter, 'confirmed', JSON.stringify(row));
  });
});
