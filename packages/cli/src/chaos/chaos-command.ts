import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { writeOut } from '../output.ts';
import { readRuntimeFile } from '../runtime-file.ts';
import { UserError } from '../user-error.ts';
import {
  actionLine,
  type ChaosOptions,
  chaosOptions,
  childrenOf,
  eligibleVictims,
  HITS_PER_SERVICE,
  type Instance,
  instancesOf,
  type ProcessRow,
  parseProcessTable,
  pickVictim,
  restingServices,
  seededRandom,
  slowDbCycle,
} from './chaos-plan.ts';

const run = promisify(execFile);

/** Every process on the machine; `ps -A -o pid=,ppid=,args=` reads the same on Linux and macOS. */
async function processTable(): Promise<ProcessRow[]> {
  const { stdout } = await run('ps', ['-A', '-o', 'pid=,ppid=,args='], { maxBuffer: 64 * 1024 * 1024 });
  return parseProcessTable(stdout);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A signal to a process that may have exited meanwhile (a restart, a crash): false when it had. */
function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

/**
 * The embedded PostgreSQL's postmaster, from the pid file PostgreSQL itself keeps in its data
 * directory (`<dataDir>/postgres`, where `postgres/embedded.ts` puts the cluster). With DATABASE_URL
 * there is none running there: the database is someone else's and chaos does not touch it.
 */
async function embeddedPostmaster(dataDir: string): Promise<number> {
  const pidFile = join(dataDir, 'postgres', 'postmaster.pid');
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) return pid;
  throw new UserError(
    `--slow-db works only on the embedded PostgreSQL that 'mercato up' starts, and none runs in ${dataDir} (no live ${pidFile}): ` +
      'this platform uses DATABASE_URL. Run the platform without DATABASE_URL to use it, or slow the external server with ' +
      'its own tools (e.g. a delaying proxy such as toxiproxy in front of it, or `tc qdisc add dev lo root netem delay 200ms` on Linux).',
  );
}

const FLAGS = {
  'kill-every': { type: 'string' },
  pause: { type: 'string' },
  'slow-db': { type: 'string' },
  duration: { type: 'string' },
  seed: { type: 'string' },
  'spare-registry': { type: 'boolean' },
} as const;

/**
 * `mercato chaos`: breaks a running `mercato up` on purpose, one fault at a time, and prints each
 * action as one line. Stops after `--duration`, on Ctrl-C or on SIGTERM, and always continues
 * whatever it stopped before it exits (a paused instance, the database's processes).
 */
export async function chaosCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({ args, options: FLAGS });
  let options: ChaosOptions;
  try {
    options = chaosOptions(values);
  } catch (error) {
    if (error instanceof RangeError) throw new UserError(error.message);
    throw error;
  }
  const dataDir = resolve(env.MERCATO_DATA_DIR ?? '.mercato');
  const runtime = await readRuntimeFile(dataDir);
  if (!isAlive(runtime.pid))
    throw new UserError(
      `${join(dataDir, 'runtime.json')} names the supervisor pid ${runtime.pid}, which is not running; start the platform with 'npm start'.`,
    );
  const postmaster = options.slowDbMs === undefined ? undefined : await embeddedPostmaster(dataDir);
  const initial = instancesOf(await processTable(), runtime.pid);
  if (initial.length === 0)
    throw new UserError(`the supervisor (pid ${runtime.pid}) runs no service yet; wait until 'mercato up' says it is ready.`);
  return new Chaos(options, runtime.pid, postmaster, initial).run();
}

class Chaos {
  readonly #options: ChaosOptions;
  readonly #supervisor: number;
  readonly #postmaster: number | undefined;
  readonly #random: () => number;
  /** Instances seen at the previous look: only those may be hit (a restarted one gets an interval first). */
  #settled: Set<number>;
  /** SIGSTOPped instances and when each is continued. */
  readonly #paused = new Map<number, { instance: Instance; timer: NodeJS.Timeout }>();
  /** The database's processes stopped right now. */
  #dbStopped: number[] = [];
  /** When each service was hit, for the crash-loop guard's margin (`restingServices`). */
  readonly #hits = new Map<string, number[]>();
  readonly #counts = { kill: 0, pause: 0, slowDbCycles: 0 };
  readonly #startedAt = Date.now();
  #stopping = false;
  #stopped!: (code: number) => void;
  readonly #timers: NodeJS.Timeout[] = [];
  #sleepTimer: NodeJS.Timeout | undefined;
  #wake: () => void = () => undefined;

  constructor(options: ChaosOptions, supervisor: number, postmaster: number | undefined, initial: Instance[]) {
    this.#options = options;
    this.#supervisor = supervisor;
    this.#postmaster = postmaster;
    this.#random = seededRandom(options.seed);
    this.#settled = new Set(initial.map((i) => i.pid));
    this.#announce(initial);
  }

  #say(action: string, process: string, pid: number | string, note = ''): void {
    writeOut(`${actionLine(new Date(), action, process, pid, note)}\n`);
  }

  #announce(initial: Instance[]): void {
    const { everyMs, pauseMs, slowDbMs, durationMs, seed, spareRegistry } = this.#options;
    const parts: string[] = [];
    if (everyMs !== undefined) {
      const how = pauseMs === undefined ? 'SIGKILL' : `SIGSTOP for ${pauseMs} ms (then SIGCONT)`;
      const spared = spareRegistry ? 'the registry spared' : 'the registry included';
      parts.push(`every ${everyMs} ms ${how} one of ${initial.length} instances (${spared}; never the last gateway)`);
    }
    if (slowDbMs !== undefined) {
      const cycle = slowDbCycle(slowDbMs);
      parts.push(
        `the embedded PostgreSQL (pid ${this.#postmaster}) stopped ${cycle.stoppedMs} ms of every ${cycle.stoppedMs + cycle.runningMs} ms`,
      );
    }
    const until = durationMs === undefined ? 'until Ctrl-C' : `for ${durationMs} ms`;
    writeOut(`mercato chaos: seed ${seed}; ${parts.join('; ')}; ${until}. Ctrl-C stops it and continues anything paused.\n`);
  }

  run(): Promise<number> {
    const done = new Promise<number>((resolve) => {
      this.#stopped = resolve;
    });
    const onSignal = () => this.#stop('stopped by a signal');
    // A closed terminal (SIGHUP) or SIGQUIT too: Node would die without 'exit' and leave paused processes stopped.
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;
    for (const signal of signals) process.once(signal, onSignal);
    // Whatever ends this process without the stop above (an exception), nothing stays stopped.
    const onExit = () => this.#continueAll(false);
    process.once('exit', onExit);
    const { everyMs, durationMs, slowDbMs } = this.#options;
    if (everyMs !== undefined) this.#timers.push(setInterval(() => void this.#tick().catch((e) => this.#fail(e)), everyMs));
    if (slowDbMs !== undefined) void this.#slowDb().catch((e) => this.#fail(e));
    if (durationMs !== undefined) this.#timers.push(setTimeout(() => this.#stop(`ran for ${durationMs} ms`), durationMs));
    return done.finally(() => {
      for (const signal of signals) process.off(signal, onSignal);
      process.off('exit', onExit);
    });
  }

  async #tick(): Promise<void> {
    if (this.#stopping) return;
    const rows = await processTable();
    if (this.#stopping) return;
    if (!rows.some((row) => row.pid === this.#supervisor)) {
      this.#stop(`the supervisor (pid ${this.#supervisor}) has exited`);
      return;
    }
    const instances = instancesOf(rows, this.#supervisor);
    const candidates = eligibleVictims(instances, {
      spareRegistry: this.#options.spareRegistry,
      paused: new Set(this.#paused.keys()),
      settled: this.#settled,
      resting: restingServices(this.#hits, Date.now()),
    });
    this.#settled = new Set(instances.map((i) => i.pid));
    const victim = pickVictim(candidates, this.#random);
    if (!victim) {
      this.#say('skip', '-', '-', `none of ${instances.length} instances may be hit now`);
      return;
    }
    const { pauseMs } = this.#options;
    const now = Date.now();
    this.#hits.set(victim.service, [...(this.#hits.get(victim.service) ?? []).filter((at) => at > now - HITS_PER_SERVICE.windowMs), now]);
    if (pauseMs === undefined) {
      if (signal(victim.pid, 'SIGKILL')) {
        this.#counts.kill += 1;
        this.#say('kill', victim.service, victim.pid, 'SIGKILL');
      }
      return;
    }
    if (!signal(victim.pid, 'SIGSTOP')) return;
    this.#counts.pause += 1;
    this.#say('pause', victim.service, victim.pid, `SIGSTOP for ${pauseMs} ms`);
    const timer = setTimeout(() => this.#resume(victim.pid), pauseMs);
    this.#paused.set(victim.pid, { instance: victim, timer });
  }

  #resume(pid: number): void {
    const paused = this.#paused.get(pid);
    if (!paused) return;
    clearTimeout(paused.timer);
    this.#paused.delete(pid);
    const continued = signal(pid, 'SIGCONT');
    this.#say('resume', paused.instance.service, pid, continued ? 'SIGCONT' : 'SIGCONT: it had exited');
  }

  /** Stop every process of the postmaster for a while, continue them, again, until chaos stops. */
  async #slowDb(): Promise<void> {
    const postmaster = this.#postmaster ?? 0;
    const { stoppedMs, runningMs } = slowDbCycle(this.#options.slowDbMs ?? 0);
    // One pending sleep at a time, ended early by a stop so that the database is never left waiting on it.
    const sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        this.#wake = resolve;
        this.#sleepTimer = setTimeout(resolve, ms);
      });
    let reported = 0;
    while (!this.#stopping) {
      const rows = await processTable();
      if (this.#stopping) break;
      if (!rows.some((row) => row.pid === postmaster)) {
        this.#stop(`the embedded PostgreSQL (pid ${postmaster}) has exited`);
        break;
      }
      const pids = childrenOf(rows, postmaster);
      this.#dbStopped = pids.filter((pid) => signal(pid, 'SIGSTOP'));
      this.#counts.slowDbCycles += 1;
      // One line for the first cycle and one every ten seconds after: a line a second would bury the kills.
      if (Date.now() - reported >= 10_000) {
        reported = Date.now();
        this.#say(
          'slow-db',
          'postgres',
          postmaster,
          `SIGSTOP ${this.#dbStopped.length} processes for ${stoppedMs} ms (cycle ${this.#counts.slowDbCycles})`,
        );
      }
      await sleep(stoppedMs);
      this.#continueDb();
      if (this.#stopping) break;
      await sleep(runningMs);
    }
  }

  #continueDb(): void {
    for (const pid of this.#dbStopped) signal(pid, 'SIGCONT');
    this.#dbStopped = [];
  }

  /** SIGCONT to everything chaos holds stopped; `say` is false in the exit handler, where output may be gone. */
  #continueAll(say: boolean): void {
    const held = this.#dbStopped.length;
    this.#continueDb();
    if (say && held > 0) this.#say('resume', 'postgres', this.#postmaster ?? '-', `SIGCONT ${held} processes`);
    for (const pid of [...this.#paused.keys()]) {
      if (say) this.#resume(pid);
      else signal(pid, 'SIGCONT');
    }
  }

  #stop(why: string, code = 0): void {
    if (this.#stopping) return;
    this.#stopping = true;
    for (const timer of this.#timers) clearTimeout(timer);
    clearTimeout(this.#sleepTimer);
    this.#wake();
    this.#continueAll(true);
    const seconds = ((Date.now() - this.#startedAt) / 1000).toFixed(1);
    const { kill, pause, slowDbCycles } = this.#counts;
    writeOut(
      `mercato chaos: ${why}; ${seconds} s, ${kill} killed, ${pause} paused, ${slowDbCycles} slow-db cycles; nothing left stopped.\n`,
    );
    this.#stopped(code);
  }

  #fail(error: unknown): void {
    if (this.#stopping) return;
    writeOut(`mercato chaos: ${(error as Error)?.message ?? String(error)}\n`);
    this.#stop('stopped after a failure', 1);
  }
}
