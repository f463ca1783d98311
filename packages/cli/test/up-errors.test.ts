import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
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
