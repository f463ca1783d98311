import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/free-port.ts';
import { checkNodeVersion } from '../src/node-version.ts';

const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url));

function runUp(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'up'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('mercato up refuses clearly', () => {
  it('a gateway port already in use is one line and exit 1', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const { code, stderr } = await runUp({ GATEWAY_PORT: String(port) });
      assert.equal(code, 1);
      assert.equal(stderr.trim(), `mercato: Port ${port} is already in use; stop what holds it or set GATEWAY_PORT to another port.`);
    } finally {
      blocker.close();
    }
  });

  it('a data directory that cannot be written is one line and exit 1', async () => {
    const { code, stderr } = await runUp({
      GATEWAY_PORT: String(await freePort()),
      MERCATO_DATA_DIR: '/dev/null/mercato',
      DATABASE_URL: '',
    });
    assert.equal(code, 1);
    assert.equal(
      stderr.trim(),
      'mercato: The data directory /dev/null/mercato is not writable; set MERCATO_DATA_DIR to a folder you can write to.',
    );
  });

  it('a PostgreSQL that will not start is one line with its reason and exit 1', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'mercato-broken-'));
    try {
      await chmod(dataDir, 0o755);
      // A cluster directory from a PostgreSQL version that does not exist: the postmaster refuses it.
      await mkdir(join(dataDir, 'postgres'), { mode: 0o700 });
      await writeFile(join(dataDir, 'postgres', 'PG_VERSION'), '99\n');
      await writeFile(join(dataDir, 'postgres.json'), JSON.stringify({ port: await freePort(), password: 'x' }));
      const { code, stderr } = await runUp({ GATEWAY_PORT: String(await freePort()), MERCATO_DATA_DIR: dataDir, DATABASE_URL: '' });
      assert.equal(code, 1);
      assert.equal(stderr.trim().split('\n').length, 1, stderr);
      assert.match(stderr, /^mercato: PostgreSQL did not start: .+/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('an invalid GATEWAY_PORT is one line and exit 1', async () => {
    const { code, stderr } = await runUp({ GATEWAY_PORT: 'http' });
    assert.equal(code, 1);
    assert.match(stderr.trim(), /^mercato: GATEWAY_PORT must be a whole number from 1 to 65535/);
  });
});

describe('Node version check', () => {
  it('accepts Node 24 and refuses older with one line saying what to do', () => {
    assert.equal(checkNodeVersion('24.21.0'), undefined);
    assert.match(checkNodeVersion('20.20.2') ?? '', /needs Node\.js 24 or newer but runs on 20\.20\.2\. Run it through npm/);
  });
});
