// biome-ignore-all lint/suspicious/noExplicitAny: a black-box test reads untyped JSON answers
/**
 * Self-healing and autoscaling as an operator sees them: `mercato up --autoscale` as a real
 * process, faults made with signals, and what the platform says it did at `/api/ops/events` and
 * `/api/ops/scaling` through the gateway, as an admin.
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SERVICE_NAMES } from '@mercato/kit';
import { waitFor } from '@mercato/kit/testing';
import { request } from 'undici';
import { dropServiceDatabases, freePort, launchPlatform, type PlatformProcess } from '../src/index.ts';

const external = process.env.DATABASE_URL;
const prefix = `t_heal_${process.pid}`;
const ADMIN = { email: 'admin@healing.test', password: 'admin password 123' };
let dataDir: string;
let platform: PlatformProcess;
let token: string;

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await request(`${platform.gatewayUrl}${path}`, {
    method: method as 'GET',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
    headersTimeout: 5_000,
  });
  const text = await response.body.text();
  return { status: response.statusCode, body: text ? JSON.parse(text) : undefined };
}

/** The events of that kind for that service, newest first; undefined while there is none (for waitFor). */
async function events(kind: string, service: string): Promise<any[] | undefined> {
  const answer = await call('GET', '/api/ops/events?limit=100');
  assert.equal(answer.status, 200);
  const found = answer.body.items.filter((e: any) => e.kind === kind && e.service === service);
  return found.length > 0 ? found : undefined;
}

const pidOf = (name: string) => platform.table.get(name)?.pid ?? assert.fail(`no ${name} in the status table`);

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mercato-heal-'));
  await chmod(dataDir, 0o755);
  platform = await launchPlatform(
    {
      MERCATO_DATA_DIR: dataDir,
      GATEWAY_PORT: String(await freePort()),
      MERCATO_DB_PREFIX: prefix,
      DATABASE_URL: external ?? '',
      MERCATO_ADMIN_EMAIL: ADMIN.email,
      MERCATO_ADMIN_PASSWORD: ADMIN.password,
      MERCATO_RATE_LIMIT_ANON: '1000000',
      // One catalog instance carries 5 req/s here, so a small burst needs a second one.
      MERCATO_AUTOSCALE_LIMITS: 'catalog=1-2@5',
    },
    ['--autoscale'],
  );
  const login = await call('POST', '/api/auth/login', ADMIN);
  token = login.body.accessToken;
  assert.ok(token, 'the admin signs in');
});

after(async () => {
  await platform?.stop();
  if (external) await dropServiceDatabases(external, prefix, [...SERVICE_NAMES, 'bus']);
  await rm(dataDir, { recursive: true, force: true });
});

describe('mercato up heals and scales by itself, and says so', () => {
  it('a killed service instance is restarted, and /api/ops/events says it was restarted after a crash', async () => {
    process.kill(pidOf('payments'), 'SIGKILL');
    const [restarted] = await waitFor('a restarted event for payments', () => events('restarted', 'payments'), 20_000, 250);
    assert.equal(restarted.detail.cause, 'crashed');
    assert.equal(restarted.detail.signal, 'SIGKILL');
    assert.equal(restarted.detail.instance, 'payments');
    await waitFor('payments ready again', async () => (await call('GET', '/health/services/payments')).status === 200, 20_000, 250);
  });

  it('an instance that stops answering (SIGSTOP) is deregistered, ended and restarted', async () => {
    const pid = pidOf('inventory');
    process.kill(pid, 'SIGSTOP');
    try {
      const [restarted] = await waitFor('a restarted event for inventory', () => events('restarted', 'inventory'), 30_000, 250);
      assert.equal(restarted.detail.cause, 'unready');
    } finally {
      // Already gone when the supervisor ended it; harmless otherwise.
      try {
        process.kill(pid, 'SIGCONT');
      } catch {}
    }
    await waitFor(
      'a new inventory instance',
      async () => {
        const services = await call('GET', '/api/ops/services');
        const inventory = services.body.services.find((s: any) => s.name === 'inventory');
        return inventory?.instances.length === 1 && (await call('GET', '/health/services/inventory')).status === 200;
      },
      20_000,
      250,
    );
  });

  it('load beyond one catalog instance starts a second one, with the decision and its forecast at /api/ops/scaling', async () => {
    const until = Date.now() + 45_000;
    let n = 0;
    const load = (async () => {
      // ~40 req/s of distinct searches (the gateway's micro-cache would answer repeats), far over 5 req/s per instance.
      while (Date.now() < until && !(await events('scaled_up', 'catalog'))) {
        await Promise.all(Array.from({ length: 4 }, () => call('GET', `/api/products?limit=2&q=item${n++}`)));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const [scaled] = await waitFor('a scaled_up event for catalog', () => events('scaled_up', 'catalog'), 50_000, 500);
    await load;
    assert.deepEqual([scaled.detail.from, scaled.detail.to], [1, 2]);
    assert.match(String(scaled.detail.reason), /req\/s/);
    const scaling = await call('GET', '/api/ops/scaling');
    assert.equal(scaling.status, 200);
    const catalog = scaling.body.services.find((s: any) => s.name === 'catalog');
    assert.equal(catalog.max, 2);
    assert.ok(catalog.forecast.length > 0, 'the decision carries its forecast');
    await waitFor(
      'two catalog instances registered',
      async () => (await call('GET', '/api/ops/services')).body.services.find((s: any) => s.name === 'catalog')?.instances.length === 2,
      20_000,
      250,
    );
  });
});
