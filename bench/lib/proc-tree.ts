import { readdir, readFile } from 'node:fs/promises';

/** One process of the run, as /proc shows it, with the name the cost tables give it. */
export interface RunProcess {
  pid: number;
  ppid: number;
  /** `orders`, `supervisor`, `load generator`, `pg:orders`, `pg:other`. */
  name: string;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
  /** cutime + cstime: children that exited and were waited for (the postmaster's reaped backends). */
  childCpuTicks: number;
}

/** Which processes belong to this run: the bench itself, `mercato up` and what it started, and the run's database backends. */
export interface RunScope {
  /** `mercato up`'s pid. */
  supervisorPid: number;
  /** `bench_<pid>`: the run's databases are `<prefix>_<name>`. */
  prefix: string;
}

const SERVICE_ENTRY = /\/services\/([a-z0-9-]+)\/src\/main\.ts(\s|$)/;

/** Fields after the comm: field 2 is `(comm)` and may hold spaces or parentheses, so parse after the last ')'. */
export function parseStat(text: string): { ppid: number; cpuTicks: number; childCpuTicks: number } | undefined {
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state): field n is rest[n - 3].
  const field = (n: number) => Number(rest[n - 3]);
  const ppid = field(4);
  if (!Number.isFinite(ppid)) return undefined;
  return { ppid, cpuTicks: field(14) + field(15), childCpuTicks: field(16) + field(17) };
}

/**
 * A PostgreSQL process title: `postgres: <user> <database> <host> <state>` for a backend,
 * `postgres: walwriter` and the like for the rest. A backend of `<prefix>_<db>` is `pg:<db>`.
 */
function postgresName(cmdline: string, prefix: string): string | undefined {
  if (!cmdline.startsWith('postgres:') && !/(^|\/)postgres(\s|$)/.test(cmdline)) return undefined;
  const database = cmdline
    .split(/\s+/)
    .find((word) => word.startsWith(`${prefix}_`))
    ?.slice(prefix.length + 1);
  return database ? `pg:${database}` : 'pg:other';
}

async function readProcess(pid: number): Promise<{ cmdline: string; stat: ReturnType<typeof parseStat> } | undefined> {
  try {
    const [cmdline, stat] = await Promise.all([readFile(`/proc/${pid}/cmdline`, 'utf8'), readFile(`/proc/${pid}/stat`, 'utf8')]);
    return { cmdline: cmdline.replaceAll('\0', ' ').trim(), stat: parseStat(stat) };
  } catch {
    return undefined; // it exited while we looked
  }
}

/**
 * Every process of the run, from one pass over /proc. Node processes and the embedded PostgreSQL
 * count only when they descend from this run's supervisor (another bench may run beside this one);
 * backends of the run's databases count wherever they are (a local server behind DATABASE_URL).
 */
export async function runProcesses(scope: RunScope): Promise<RunProcess[]> {
  const pids = (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry)).map(Number);
  const all = new Map<number, { ppid: number; cmdline: string; cpuTicks: number; childCpuTicks: number }>();
  await Promise.all(
    pids.map(async (pid) => {
      const found = await readProcess(pid);
      if (found?.stat) all.set(pid, { cmdline: found.cmdline, ...found.stat });
    }),
  );
  const descends = (pid: number): boolean => {
    for (let at = pid, hops = 0; at > 1 && hops < 64; hops++) {
      if (at === scope.supervisorPid) return true;
      const parent = all.get(at)?.ppid;
      if (parent === undefined) return false;
      at = parent;
    }
    return false;
  };
  const found: RunProcess[] = [];
  for (const [pid, p] of all) {
    let name: string | undefined;
    if (pid === process.pid) name = 'load generator';
    else if (pid === scope.supervisorPid) name = 'supervisor';
    else {
      const service = SERVICE_ENTRY.exec(p.cmdline)?.[1];
      const pg = service ? undefined : postgresName(p.cmdline, scope.prefix);
      if (pg && pg !== 'pg:other') name = pg;
      else if (descends(pid)) name = service ?? pg;
    }
    if (name) found.push({ pid, ppid: p.ppid, name, cpuTicks: p.cpuTicks, childCpuTicks: p.childCpuTicks });
  }
  return found;
}
