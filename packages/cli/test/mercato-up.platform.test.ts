import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SERVICE_NAMES } from '@mercato/kit';
import { waitFor } from '@mercato/kit/testing';
import { request } from 'undici';
import { dropServiceDatabases, freePort, launchPlatform, type PlatformProcess } from '../src/index.ts';
import { alive, killLeftovers, stillRunningAfter } from './fixtures/processes.ts';

const external = process.env.DATABASE_URL;
const prefix = `t_up_${process.pid}`;
let dataDir: string;
let platform: PlatformProcess;

const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url));

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stdout += c));
    child.on('exit', (code) => resolve({ code, stdout }));
  });
}

interface ReadyBody {
  status: string;
  services: Record<string, number>;
  items: { meta: { pid: string } }[];
}

async function getJson(url: string): Promise<{ status: number; body: ReadyBody }> {
  const response = await request(url, { headersTimeout: 5_000 });
  return { status: response.statusCode, body: (await response.body.json()) as ReadyBody };
}

async function launch(): Promise<PlatformProcess> {
  return launchPlatform({
    // As `npm start` logs: the registry's info lines as services come and go were what hung it when its supervisor died.
    LOG_LEVEL: 'info',
    MERCATO_DATA_DIR: dataDir,
    GATEWAY_PORT: String(await freePort()),
    MERCATO_DB_PREFIX: prefix,
    DATABASE_URL: external ?? '',
  });
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mercato-up-'));
  await chmod(dataDir, 0o755);
  platform = await launch();
});
after(async () => {
  await platform?.stop();
  if (external) await dropServiceDatabases(external, prefix, [...SERVICE_NAMES, 'bus']);
  await rm(dataDir, { recursive: true, force: true });
});

describe('mercato up', () => {
  it('starts every service as its own process and the gateway reports all of them ready', async () => {
    const { status, body } = await getJson(`${platform.gatewayUrl}/health/ready`);
    assert.equal(status, 200);
    assert.equal(body.status, 'ready');
    for (const name of SERVICE_NAMES) assert.equal(body.services[name], 1, name);
    const pids = new Set([...platform.table.values()].map((p) => p.pid));
    assert.equal(pids.size, SERVICE_NAMES.length + 2, 'registry, gateway and every service in separate processes');
    assert.match(platform.output(), /Mercato on Node\.js 24\./);
  });

  it('a shopper registers and reads their profile through the gateway; a service port refuses a bare call', async () => {
    const register = await request(`${platform.gatewayUrl}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@shop.test', password: 'long enough pw', name: 'Ada' }),
    });
    assert.equal(register.statusCode, 201);
    const { accessToken } = (await register.body.json()) as { accessToken: string };
    const me = await request(`${platform.gatewayUrl}/api/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    assert.equal(me.statusCode, 200);
    assert.equal(((await me.body.json()) as { email: string }).email, 'ada@shop.test');
    const bare = await request(`${platform.table.get('identity')?.url}/api/me`);
    assert.equal(bare.statusCode, 401);
    await bare.body.dump();
    assert.match(platform.output(), /first admin created: admin@mercato\.local with password \S+ \(shown once/);
  });

  it('mercato keys rotate makes identity sign with a new key', async () => {
    const jwks = async () =>
      ((await (await request(`${platform.gatewayUrl}/.well-known/jwks.json`)).body.json()) as { keys: unknown[] }).keys.length;
    assert.equal(await jwks(), 1);
    const { code, stdout } = await runCli(['keys', 'rotate'], { MERCATO_DATA_DIR: dataDir });
    assert.equal(code, 0, stdout);
    assert.match(stdout, /signing with key \S+; the previous key stays published/);
    assert.equal(await jwks(), 2);
  });

  it('restarts a service killed with SIGKILL, and the gateway is ready again', async () => {
    const registryUrl = platform.table.get('registry')?.url;
    const catalog = platform.table.get('catalog');
    assert.ok(registryUrl && catalog);
    process.kill(catalog.pid, 'SIGKILL');
    const replacement = await waitFor(
      'a new catalog instance',
      async () => {
        const { body } = await getJson(`${registryUrl}/instances?service=catalog`);
        const items = body.items;
        return items.length === 1 && Number(items[0]?.meta.pid) !== catalog.pid ? items[0] : undefined;
      },
      30_000,
    );
    assert.ok(alive(Number(replacement.meta.pid)));
    const ready = await waitFor('gateway ready', async () => (await getJson(`${platform.gatewayUrl}/health/ready`)).status === 200, 15_000);
    assert.ok(ready);
    assert.match(platform.output(), /catalog exited \(SIGKILL\); restarting/);
  });

  it('on SIGTERM stops every child and PostgreSQL, leaving no process behind', async () => {
    const pids = [...platform.table.values()].map((p) => p.pid);
    const postmasterPid = external
      ? undefined
      : Number((await readFile(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    const code = await platform.stop();
    assert.equal(code, 0);
    for (const pid of pids) assert.equal(alive(pid), false, `pid ${pid} still running`);
    if (postmasterPid) assert.equal(alive(postmasterPid), false, 'postmaster still running');
  });

  it('a second start reuses the data directory', async () => {
    platform = await launch();
    assert.doesNotMatch(platform.output(), /initialising PostgreSQL/);
    const { status } = await getJson(`${platform.gatewayUrl}/health/ready`);
    assert.equal(status, 200);
  });

  it('after the supervisor is killed with SIGKILL, every child stops by itself within seconds, the registry too', async () => {
    const registry = platform.table.get('registry');
    assert.ok(registry);
    const children = [...platform.table.entries()].map(([name, p]) => ({ name, pid: p.pid }));
    platform.child.kill('SIGKILL');
    await platform.exited;
    // Each child sees its IPC channel close and stops by itself, its stdout gone with the supervisor.
    const left = await stillRunningAfter(
      children.map((c) => c.pid),
      10_000,
    );
    killLeftovers(left);
    assert.equal(
      left.includes(registry.pid),
      false,
      `the registry (pid ${registry.pid}) is still running 10 s after its supervisor was killed`,
    );
    assert.deepEqual(
      children.filter((c) => left.includes(c.pid)).map((c) => c.name),
      [],
      'children still running 10 s after their supervisor was killed',
    );
  });

  it('the next start stops the PostgreSQL the killed supervisor left running', async () => {
    platform = await launch();
    if (!external) assert.match(platform.output(), /found a PostgreSQL left running by an earlier run \(pid \d+\); stopping it first/);
    const { status } = await getJson(`${platform.gatewayUrl}/health/ready`);
    assert.equal(status, 200);
  });
});
