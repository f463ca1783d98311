import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SUPERVISOR_NODE_FLAGS } from './child-memory.ts';

const BIN = fileURLToPath(new URL('./bin.ts', import.meta.url));

export interface PlatformProcess {
  child: ChildProcess;
  gatewayUrl: string;
  /** Seconds from launch to a ready gateway, as `mercato up` measured it. */
  readySeconds: number;
  /** Name → URL and pid from the status table `mercato up` printed. */
  table: Map<string, { pid: number; url: string }>;
  output(): string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  exited: Promise<number | null>;
}

/**
 * Runs `mercato up` as a real process (what `npm start` runs) and resolves once it printed that the
 * gateway is ready. Used by the whole-platform tests and the benchmarks.
 */
export async function launchPlatform(env: NodeJS.ProcessEnv, args: string[] = [], timeoutMs = 120_000): Promise<PlatformProcess> {
  // With the flags `npm start` gives it, so what a test or a benchmark measures is what a user runs.
  const child = spawn(process.execPath, [...SUPERVISOR_NODE_FLAGS, BIN, 'up', ...args], {
    env: { ...process.env, MERCATO_LOG_FORMAT: 'json', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<{ url: string; seconds: number }>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /ready in ([\d.]+) s: (http:\/\/\S+)/.exec(output);
      if (match?.[1] && match[2]) resolve({ seconds: Number(match[1]), url: match[2] });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => reject(new Error(`mercato up exited with ${code} before it was ready:\n${output}`)));
    setTimeout(() => reject(new Error(`mercato up was not ready within ${timeoutMs} ms:\n${output}`)), timeoutMs).unref();
  });
  let result: { url: string; seconds: number };
  try {
    result = await ready;
  } catch (error) {
    // Wait for it to stop its PostgreSQL before the caller removes the data directory.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    throw error;
  }
  const table = new Map<string, { pid: number; url: string }>();
  for (const line of output.split('\n')) {
    const row = /\|\s+([a-z#0-9-]+)\s+(\d+)\s+(http:\/\/\S+)\s*$/.exec(line);
    if (row?.[1] && row[2] && row[3]) table.set(row[1], { pid: Number(row[2]), url: row[3] });
  }
  return {
    child,
    gatewayUrl: result.url,
    readySeconds: result.seconds,
    table,
    output: () => output,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
