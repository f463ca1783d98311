import { execFileSync } from 'node:child_process';
import { type RunProcess, type RunScope, runProcesses } from './proc-tree.ts';

/** Clock ticks per second of /proc/PID/stat (100 on every Linux we run on; asked once in case). */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export type CpuSnapshot = Map<number, RunProcess>;

export async function cpuSnapshot(scope: RunScope): Promise<CpuSnapshot> {
  return new Map((await runProcesses(scope)).map((p) => [p.pid, p]));
}

/**
 * CPU ms each named process used between two snapshots (instances of one service add up). A process
 * that started in between counts whole. Backends that exited in between are in the postmaster's
 * cutime+cstime once it reaped them; what they had used before the first snapshot is taken off, and
 * the rest goes to `pg:other` (their database is gone with them).
 */
export function cpuMsBetween(before: CpuSnapshot, after: CpuSnapshot): Map<string, number> {
  const ticks = new Map<string, number>();
  const add = (name: string, value: number) => ticks.set(name, (ticks.get(name) ?? 0) + value);
  for (const [pid, now] of after) add(now.name, now.cpuTicks - (before.get(pid)?.cpuTicks ?? 0));
  for (const [pid, now] of after) {
    const then = before.get(pid);
    if (!then || !now.name.startsWith('pg:')) continue;
    // The postmaster is the PostgreSQL process whose children are the backends.
    const children = [...before.values()].filter((p) => p.ppid === pid);
    if (children.length === 0) continue;
    const exitedBefore = children.filter((child) => !after.has(child.pid)).reduce((sum, child) => sum + child.cpuTicks, 0);
    add('pg:other', now.childCpuTicks - then.childCpuTicks - exitedBefore);
  }
  return new Map([...ticks].map(([name, value]) => [name, (Math.max(0, value) * 1000) / TICKS_PER_SECOND]));
}
