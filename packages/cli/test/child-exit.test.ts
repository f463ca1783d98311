import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { REGISTRY } from '../src/topology.ts';
import { killLeftovers, stillRunningAfter } from './fixtures/processes.ts';

const FAKE_SUPERVISOR = fileURLToPath(new URL('./fixtures/registry-supervisor.ts', import.meta.url));

/** Starts the fake supervisor; resolves once its registry listens. */
async function superviseRegistry(): Promise<{ supervisor: ReturnType<typeof spawn>; registryPid: number; url: string }> {
  const supervisor = spawn(process.execPath, [FAKE_SUPERVISOR], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const ready = await new Promise<{ pid: number; url: string }>((resolve, reject) => {
    supervisor.once('message', (message) => resolve(message as { pid: number; url: string }));
    supervisor.once('exit', (code) => reject(new Error(`the fake supervisor exited with ${code}`)));
  });
  return { supervisor, registryPid: ready.pid, url: ready.url };
}

describe('a child of mercato up', () => {
  it('exits when its supervisor is killed with SIGKILL, although its stdout went with it (the registry, while logging)', async () => {
    // Each round the registry is in the middle of writing log lines when its stdout's reader dies;
    // before the fix its exit hung in pino's exit-time flush, retrying EPIPE forever (deaf to SIGTERM).
    for (let round = 1; round <= 3; round++) {
      const { supervisor, registryPid } = await superviseRegistry();
      await new Promise((resolve) => setTimeout(resolve, 300));
      supervisor.kill('SIGKILL');
      const running = await stillRunningAfter([registryPid], 5_000);
      killLeftovers(running);
      assert.deepEqual(running, [], `round ${round}: the registry (pid ${registryPid}) outlived its supervisor by 5 s`);
    }
  });

  it('SIGTERM ends the registry at once, even with watch streams open', async () => {
    const registry = spawn(process.execPath, [REGISTRY.entry], {
      env: { ...process.env, PORT: '0', MERCATO_AUTH: 'off', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    registry.stdout?.resume();
    registry.stderr?.resume();
    const exited = new Promise<number | null>((resolve) => registry.once('exit', (code) => resolve(code)));
    try {
      const { url } = await new Promise<{ url: string }>((resolve) => registry.once('message', (m) => resolve(m as { url: string })));
      const watchers = await Promise.all(
        [1, 2, 3].map(async () => {
          const response = await request(`${url}/watch`);
          response.body.on('data', () => undefined).on('error', () => undefined);
          return response;
        }),
      );
      assert.deepEqual(
        watchers.map((w) => w.statusCode),
        [200, 200, 200],
      );
      const asked = Date.now();
      registry.kill('SIGTERM');
      assert.equal(await exited, 0);
      // The drain bound (MERCATO_SHUTDOWN_TIMEOUT_MS) is 10 s: the streams must not hold the close until then.
      assert.ok(Date.now() - asked < 3_000, `stopped after ${Date.now() - asked} ms`);
    } finally {
      if (registry.pid) killLeftovers([registry.pid]);
    }
  });
});
