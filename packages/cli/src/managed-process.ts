import { type ChildProcess, spawn } from 'node:child_process';
import type { ChildReadyMessage } from '@mercato/kit';
import { prefixLines } from './log-lines.ts';
import { RestartPolicy, type RestartPolicyOptions } from './supervision/restart-policy.ts';

/** Why a ready child was restarted: it exited by itself, or the supervisor recycled it (readiness checks unanswered). */
export type RestartCause = 'crashed' | 'unready';

export interface RestartInfo {
  cause: RestartCause;
  exitCode: number | null;
  signal: string | null;
  attempt: number;
  delayMs: number;
}

export interface ManagedProcessOptions {
  name: string;
  entry: string;
  /** Node's and V8's flags for the child (its heap sizes: `child-memory.ts`). */
  nodeFlags?: string[];
  env: NodeJS.ProcessEnv;
  nameWidth: number;
  jsonLogs: boolean;
  log: (line: string) => void;
  /** Called when a ready child is gone or about to go (a crash, a recycle): its registration is removed for it. */
  onGone?: (last: ChildReadyMessage | undefined) => void;
  /** Called when a restart is scheduled. */
  onRestart?: (info: RestartInfo) => void;
  /** Called once when the restarts stop: a crash loop. */
  onCrashLoop?: (info: { restarts: number; windowMs: number; exitCode: number | null; signal: string | null }) => void;
  restartPolicy?: RestartPolicyOptions;
}

/**
 * One child process of the supervisor: started, watched, restarted with backoff after a crash or a
 * recycle (`restart-policy.ts`), left down after a crash loop, stopped on request.
 */
export class ManagedProcess {
  readonly options: ManagedProcessOptions;
  child: ChildProcess | undefined;
  ready: ChildReadyMessage | undefined;
  restarts = 0;
  /** True once a crash loop stopped the restarts. */
  crashLooping = false;
  #stopping = false;
  readonly #policy: RestartPolicy;
  /** Set while the supervisor itself is ending the child so that it starts again. */
  #recycling: RestartCause | undefined;
  #startedAt = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  #readyWaiters: { resolve: (message: ChildReadyMessage) => void; reject: (error: Error) => void }[] = [];
  /** Until the first start succeeds, an exit is a failed start (a bad setting), not a crash to restart. */
  #everReady = false;

  constructor(options: ManagedProcessOptions) {
    this.options = options;
    this.#policy = new RestartPolicy(options.restartPolicy);
  }

  /** Stopped for good (told to stop, or a crash loop): no restart will come. */
  get stopping(): boolean {
    return this.#stopping;
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
    // A spawn that fails (EAGAIN, ENOMEM) emits 'error', perhaps without 'exit': said, never a crash of the supervisor.
    child.on('error', (error) => this.options.log(`${this.name} could not be run: ${error.message}`));
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
      const cause = this.#recycling ?? 'crashed';
      this.#recycling = undefined;
      // A recycled child was deregistered before it was ended.
      if (cause === 'crashed') this.options.onGone?.(last);
      const how = signal ?? `code ${code}`;
      const verdict = this.#policy.onFailure(Date.now(), this.#startedAt);
      if (verdict.action === 'give_up') {
        this.crashLooping = true;
        this.#stopping = true;
        this.options.log(
          `${this.name} exited (${how}) after ${verdict.restarts} restarts within ${verdict.windowMs / 1000} s: a crash loop; not restarting it`,
        );
        this.options.onCrashLoop?.({ restarts: verdict.restarts, windowMs: verdict.windowMs, exitCode: code, signal });
        return;
      }
      this.restarts += 1;
      const why = cause === 'unready' ? 'stopped answering its readiness check' : `exited (${how})`;
      this.options.log(`${this.name} ${why}; restarting in ${(verdict.delayMs / 1000).toFixed(1)} s`);
      this.options.onRestart?.({ cause, exitCode: code, signal, attempt: verdict.attempt, delayMs: verdict.delayMs });
      this.#restartTimer = setTimeout(() => this.start(extraEnv), verdict.delayMs);
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

  /**
   * The supervisor ends a ready child that stopped answering (deregistered first by `onGone`, then
   * SIGTERM so it drains, SIGKILL after `graceMs`); it is restarted like a crashed one.
   */
  /** True from a recycle until the child has exited (it is still the same process, draining). */
  get recycling(): boolean {
    return this.#recycling !== undefined;
  }

  recycle(cause: RestartCause, graceMs: number): void {
    const child = this.child;
    if (this.#stopping || this.#recycling || !child || !this.ready) return;
    this.#recycling = cause;
    this.options.onGone?.(this.ready);
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => clearTimeout(timer));
  }

  kill(): void {
    this.holdRestarts();
    this.child?.kill('SIGKILL');
  }
}
