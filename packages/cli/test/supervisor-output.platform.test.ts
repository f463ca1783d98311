import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SERVICE_NAMES } from '@mercato/kit';
import { dropServiceDatabases, freePort } from '../src/index.ts';
import { killLeftovers, stillRunningAfter } from './fixtures/processes.ts';

const external = process.env.DATABASE_URL;
const prefix = `t_out_${process.pid}`;
const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
let dataDir: string;
/** Every pid a test saw, killed in after() if a failed run left it behind. */
const seen = new Set<number>();
let postmasters: number[] = [];

interface PipedPlatform {
  supervisor: ChildProcess;
  reader: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  childPids: number[];
  postmasterPid: number | undefined;
}

/**
 * `npm start 2>&1 | tee log`: the supervisor's stdout and stderr both go into a pipe read by another
 * process (here one that copies it to us, so we see when it is ready). Killing that reader closes the
 * pipe under the supervisor.
 */
async function launchIntoPipe(): Promise<PipedPlatform> {
  const reader = spawn(process.execPath, ['-e', 'process.stdin.pipe(process.stdout)'], { stdio: ['pipe', 'pipe', 'inherit'] });
  assert.ok(reader.stdin && reader.stdout);
  const supervisor = spawn(process.execPath, [BIN, 'up'], {
    env: {
      ...process.env,
      MERCATO_LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      MERCATO_DATA_DIR: dataDir,
      GATEWAY_PORT: String(await freePort()),
      MERCATO_DB_PREFIX: prefix,
      DATABASE_URL: external ?? '',
    },
    stdio: ['ignore', reader.stdin, reader.stdin],
  });
  if (supervisor.pid) seen.add(supervisor.pid);
  // Only the reader holds the pipe's reading end now; our copy of the writing end does not matter.
  reader.stdin.destroy();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    supervisor.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mercato up was not ready within 120 s:\n${output}`)), 120_000);
    reader.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (/ready in [\d.]+ s: http/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(({ code }) => reject(new Error(`mercato up exited with ${code} before it was ready:\n${output}`)));
  });
  const childPids: number[] = [];
  for (const line of output.split('\n')) {
    const row = /\|\s+([a-z#0-9-]+)\s+(\d+)\s+(http:\/\/\S+)\s*$/.exec(line);
    if (row?.[2]) childPids.push(Number(row[2]));
  }
  assert.equal(childPids.length, SERVICE_NAMES.length + 2, `registry, gateway and every service in the status table:\n${output}`);
  for (const pid of childPids) seen.add(pid);
  const postmasterPid = external ? undefined : Number((await readFile(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
  if (postmasterPid) postmasters.push(postmasterPid);
  return { supervisor, reader, exited, childPids, postmasterPid };
}

async function closeThePipeThenSignal(signal: NodeJS.Signals): Promise<void> {
  const platform = await launchIntoPipe();
  // The reader dies (as tee does on the same Ctrl-C): every write of the supervisor now fails with EPIPE.
  const readerGone = new Promise((resolve) => platform.reader.once('exit', resolve));
  platform.reader.kill('SIGKILL');
  await readerGone;
  platform.supervisor.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    platform.exited,
    new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), 60_000);
    }),
  ]);
  clearTimeout(timer);
  // It waits for every child and for PostgreSQL before it exits; allow a moment for the kernel.
  const childrenLeft = await stillRunningAfter(platform.childPids, 2_000);
  const postgresLeft = platform.postmasterPid ? await stillRunningAfter([platform.postmasterPid], 2_000) : [];
  assert.deepEqual(
    { supervisor: outcome, childrenLeft, postgresLeft },
    // Exit 0: its own stop ran to the end, rather than a crash at the first write that failed.
    { supervisor: { code: 0, signal: null }, childrenLeft: [], postgresLeft: [] },
    `after ${signal}: the supervisor's exit, and the children and PostgreSQL still running`,
  );
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mercato-out-'));
  await chmod(dataDir, 0o755);
});
after(async () => {
  killLeftovers([...seen]);
  killLeftovers(postmasters, 'SIGINT');
  await stillRunningAfter(postmasters, 15_000);
  postmasters = [];
  if (external) await dropServiceDatabases(external, prefix, [...SERVICE_NAMES, 'bus']);
  await rm(dataDir, { recursive: true, force: true });
});

describe('mercato up whose output goes away', () => {
  it('after the process reading its stdout and stderr is killed, SIGINT still stops every child and PostgreSQL', async () => {
    await closeThePipeThenSignal('SIGINT');
  });

  it('after the process reading its stdout and stderr is killed, SIGTERM still stops every child and PostgreSQL', async () => {
    await closeThePipeThenSignal('SIGTERM');
  });
});
