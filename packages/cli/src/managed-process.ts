import { type ChildProcess, spawn } from 'node:child_process';
import type { ChildReadyMessage } from '@mercato/kit';
import { prefixLines } from './log-lines.ts';

const RESTART_MIN_MS = 500;
const RESTART_MAX_MS = 15_000;
/** A child that ran this long is considered healthy again; its next crash restarts quickly. */
const STABLE_AFTER_MS = 30_000;

export interface ManagedProcessOptions {
  name: string;
  entry: string;
  /** Node's and V8's flags for the child (its heap sizes: `child-memory.ts`). */
  nodeFlags?: string[];
  env: NodeJS.ProcessEnv;
  nameWidth: number;
  jsonLogs: boolean;
  log: (line: string) => void;
  /** Called when a running child dies unexpectedly, before it is restarted. */
  onCrash?: (last: ChildReadyMessage | undefined) => void;
}

/** One child process of the supervisor: started, watched, restarted with backoff after a crash, stopped on request. */
export class ManagedProcess {
  readonly options: ManagedProcessOptions;
  child: ChildProcess | undefined;
  ready: ChildReadyMessage | undefined;
  restarts = 0;
  #stopping = false;
  #failures = 0;
  #startedAt = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  #readyWaiters: { resolve: (message: ChildReadyMessage) => void; reject: (error: Error) => void }[] = [];
  /** Until the first start succeeds, an exit is a failed start (a bad setting), not a crash to restart. */
  #everReady = false;

  constructor(options: ManagedProcessOptions) {
    this.options = options;
  }

  get name(): string {
    return this.options.name;
  }

  start(extraEnv: NodeJS.ProcessEnv = {}): void {
    // Told to stop (the supervisor is shutting down): it never starts again.
    if (this.#stopping) return;
    this.#startedAt = Date.now();
    this.ready = undefined;
    // MERCATO_CPU_PROFILE=<process>:<folder> writes a V8 CPU profile of that process when it exits (benchmarks).
    const [profiled, profileDir] = (this.options.env.MERCATO_CPU_PROFILE ?? '').split(':');
    const profile = profiled === this.name && profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    const child = spawn(process.execPath, [...(this.options.nodeFlags ?? []), ...profile, this.options.entry], {
      env: { ...this.options.env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Its own process group: a Ctrl-C in the terminal reaches only the supervisor, which stops children in order.
      detached: true,
    });
    this.child = child;
    if (child.stdout) prefixLines(child.stdout, this.name, this.options.nameWidth, this.options.jsonLogs);
    if (child.stderr) prefixLines(child.stderr, this.name, this.options.nameWidth, this.options.jsonLogs);
    child.on('message', (message: ChildReadyMessage) => {
      if (message?.type !== 'mercato:ready') return;
      this.ready = message;
      this.#everReady = true;
      for (const waiter of this.#readyWaiters.splice(0)) waiter.resolve(message);
    });
    child.on('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = undefined;
      if (this.#stopping) return;
      if (!this.#everReady) {
        this.#stopping = true;
        const error = new Error(`${this.name} exited (${signal ?? `code ${code}`}) before it was ready; see its lines above.`);
        for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(error);
        return;
      }
      const last = this.ready;
      this.ready = undefined;
      this.options.onCrash?.(last);
      if (Date.now() - this.#startedAt > STABLE_AFTER_MS) this.#failures = 0;
      const delay = Math.min(RESTART_MIN_MS * 2 ** this.#failures, RESTART_MAX_MS);
      this.#failures += 1;
      this.restarts += 1;
      this.options.log(`${this.name} exited (${signal ?? `code ${code}`}); restarting in ${(delay / 1000).toFixed(1)} s`);
      this.#restartTimer = setTimeout(() => this.start(extraEnv), delay);
    });
  }

  /** Resolves with the child's address once it listens. */
  whenReady(): Promise<ChildReadyMessage> {
    if (this.ready) return Promise.resolve(this.ready);
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
  }

  /** From now on an exit is final: no restart, and whoever waits for it to be ready stops waiting. */
  holdRestarts(): void {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    const error = new Error(`${this.name} is stopping`);
    for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(error);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
  async stop(graceMs: number): Promise<void> {
    this.holdRestarts();
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      this.options.log(`${this.name} did not stop within ${graceMs} ms; killing it`);
      child.kill('SIGKILL');
    }, graceMs);
    await exited;
    clearTimeout(timer);
  }

  kill(): void {
    this.holdRestarts();
    this.child?.kill('SIGKILL');
  }
}
