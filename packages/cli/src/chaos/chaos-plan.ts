/**
 * `mercato chaos`'s decisions, with no I/O: what a duration means, which processes of a `ps` listing
 * are the supervisor's service instances, which of them may be hit, which one is, and how long the
 * database is held still per cycle. `chaos-command.ts` reads the processes and sends the signals.
 */

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/** `200ms`, `5s`, `1.5s`, `1m` → milliseconds. A bare number is refused: `5` could mean either unit. */
export function parseDuration(option: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text.trim());
  const value = match?.[1] && match[2] ? Number(match[1]) * (UNITS[match[2]] ?? Number.NaN) : Number.NaN;
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(`--${option} takes a duration with its unit, like 200ms, 5s or 1m (got ${JSON.stringify(text)})`);
  return Math.round(value);
}

export interface ChaosOptions {
  /** Hit one instance every this often; absent with only `--slow-db`. */
  everyMs?: number;
  /** Instead of SIGKILL, SIGSTOP the instance for this long, then SIGCONT (a hung process). */
  pauseMs?: number;
  /** Hold the embedded PostgreSQL's processes still this long in every cycle. */
  slowDbMs?: number;
  /** Stop by itself after this long; absent: until Ctrl-C or SIGTERM. */
  durationMs?: number;
  seed: number;
  /** Leave the registry alone (by default it is a fair target: the platform must survive losing it). */
  spareRegistry: boolean;
}

/** The command's flags as `parseArgs` gives them, checked: every mistake is one line saying what to write. */
export function chaosOptions(values: {
  'kill-every'?: string;
  pause?: string;
  'slow-db'?: string;
  duration?: string;
  seed?: string;
  'spare-registry'?: boolean;
}): ChaosOptions {
  const everyMs = values['kill-every'] === undefined ? undefined : parseDuration('kill-every', values['kill-every']);
  const pauseMs = values.pause === undefined ? undefined : parseDuration('pause', values.pause);
  const slowDbMs = values['slow-db'] === undefined ? undefined : parseDuration('slow-db', values['slow-db']);
  const durationMs = values.duration === undefined ? undefined : parseDuration('duration', values.duration);
  if (pauseMs !== undefined && everyMs === undefined)
    throw new RangeError('--pause needs --kill-every: it pauses one instance at each interval');
  if (everyMs === undefined && slowDbMs === undefined)
    throw new RangeError('say what to break: --kill-every 5s (one instance at a time), optionally --pause 3s, and/or --slow-db 200ms');
  if (slowDbMs !== undefined && slowDbMs >= SLOW_DB_MAX_MS)
    throw new RangeError(
      `--slow-db must stay under ${SLOW_DB_MAX_MS / 1000}s (got ${values['slow-db']}): a longer stop times connections out`,
    );
  let seed = Date.now() % 2 ** 31;
  if (values.seed !== undefined) {
    seed = Number(values.seed);
    if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`--seed takes a whole number (got ${JSON.stringify(values.seed)})`);
  }
  return { everyMs, pauseMs, slowDbMs, durationMs, seed, spareRegistry: values['spare-registry'] === true };
}

/** A pseudo-random number generator (mulberry32): the same seed picks the same victims in the same order. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

export interface ProcessRow {
  pid: number;
  ppid: number;
  args: string;
}

/** `ps -A -o pid=,ppid=,args=` (Linux and macOS alike): one process a line, its arguments last. */
export function parseProcessTable(text: string): ProcessRow[] {
  const rows: ProcessRow[] = [];
  for (const line of text.split('\n')) {
    const match = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (match?.[1] && match[2] && match[3] !== undefined) rows.push({ pid: Number(match[1]), ppid: Number(match[2]), args: match[3] });
  }
  return rows;
}

export interface Instance {
  pid: number;
  /** The service, from the path its process runs: `services/<name>/src/main.ts`. */
  service: string;
}

const SERVICE_ENTRY = /(?:^|[/\\\s])services[/\\]([a-z0-9-]+)[/\\]src[/\\]main\.ts(?:\s|$)/;

/** The supervisor's children that run a service; several of one service are its instances. */
export function instancesOf(rows: readonly ProcessRow[], supervisorPid: number): Instance[] {
  const instances: Instance[] = [];
  for (const row of rows) {
    if (row.ppid !== supervisorPid) continue;
    const service = SERVICE_ENTRY.exec(row.args)?.[1];
    if (service) instances.push({ pid: row.pid, service });
  }
  return instances.sort((a, b) => a.service.localeCompare(b.service) || a.pid - b.pid);
}

/** The children of a process (the postmaster's backends and helpers). */
export function childrenOf(rows: readonly ProcessRow[], pid: number): number[] {
  return rows.filter((row) => row.ppid === pid).map((row) => row.pid);
}

/**
 * The supervisor calls five restarts of one instance within two minutes a crash loop and stops
 * restarting it (supervision/restart-policy.ts). Chaos stays under that: a service hit this many
 * times within the window rests until the oldest hit leaves it, so a long run measures how the
 * platform survives faults, not the crash-loop guard (which `mercato chaos` would otherwise trip
 * by itself at `--kill-every 1s`). Counted per service, the name a restarted instance keeps.
 */
export const HITS_PER_SERVICE = { max: 4, windowMs: 120_000 };

/** The services hit `max` times within the window before `now`: not to be hit again yet. */
export function restingServices(hits: ReadonlyMap<string, readonly number[]>, now: number, limit = HITS_PER_SERVICE): Set<string> {
  const resting = new Set<string>();
  for (const [service, times] of hits) if (times.filter((at) => at > now - limit.windowMs).length >= limit.max) resting.add(service);
  return resting;
}

/**
 * Which instances may be hit now:
 * - never the last gateway: it is the shop's only door, and with it gone every request fails, which
 *   measures nothing about the platform's resilience;
 * - the registry unless spared (`--spare-registry`): instances keep their cached peers and re-register
 *   when it is back, so losing it is a fault the platform must survive;
 * - never an instance paused right now (it is already hurt; SIGKILL would also lose its SIGCONT);
 * - only an instance that was already there at the previous look (`settled`), so that a restarted
 *   instance gets one interval to start before it can be hit again — killing it while it starts
 *   tests the supervisor's backoff, not the platform;
 * - no instance of a resting service (`restingServices`).
 */
export function eligibleVictims(
  instances: readonly Instance[],
  options: { spareRegistry: boolean; paused: ReadonlySet<number>; settled: ReadonlySet<number>; resting?: ReadonlySet<string> },
): Instance[] {
  const gateways = instances.filter((i) => i.service === 'gateway').length;
  return instances.filter((instance) => {
    if (instance.service === 'gateway' && gateways <= 1) return false;
    if (instance.service === 'registry' && options.spareRegistry) return false;
    if (options.resting?.has(instance.service)) return false;
    return !options.paused.has(instance.pid) && options.settled.has(instance.pid);
  });
}

/** One of them, uniformly by `random` (seeded); none when there is none. */
export function pickVictim<T>(candidates: readonly T[], random: () => number): T | undefined {
  if (candidates.length === 0) return undefined;
  return candidates[Math.min(candidates.length - 1, Math.floor(random() * candidates.length))];
}

/**
 * Above this a stopped PostgreSQL looks dead rather than slow: the services' pools and the bus time
 * connections and statements out (about 5 s), which is `--pause`'s fault, not a slow database.
 */
export const SLOW_DB_MAX_MS = 2000;
/** How often the database is stopped: every query waits up to `--slow-db` once per cycle. */
const SLOW_DB_CYCLE_MS = 1000;

/**
 * `--slow-db D`: stopped for D, then running for the rest of a one-second cycle — but never for less
 * than D, so a long D still lets half of the time through and the platform stays slow, not stalled.
 */
export function slowDbCycle(stoppedMs: number): { stoppedMs: number; runningMs: number } {
  return { stoppedMs, runningMs: Math.max(SLOW_DB_CYCLE_MS - stoppedMs, stoppedMs) };
}

/** One line per action: time, action, process, pid — aligned so a run reads as a table. */
export function actionLine(at: Date, action: string, process: string, pid: number | string, note = ''): string {
  const time = at.toISOString().slice(11, 23);
  return `${time}  ${action.padEnd(8)} ${process.padEnd(16)} pid ${String(pid).padEnd(8)}${note ? ` ${note}` : ''}`.trimEnd();
}
