import { readFile } from 'node:fs/promises';
import { type RunScope, runProcesses } from './proc-tree.ts';

export interface Memory {
  rssMiB: number;
  /** Proportional set size: shared pages divided among their sharers, so it adds up across processes (PostgreSQL's shared buffers). */
  pssMiB: number;
}

async function smapsRollup(pid: number): Promise<Memory | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
    return { rssMiB: kib('Rss') / 1024, pssMiB: kib('Pss') / 1024 };
  } catch {
    return undefined; // exited, or not ours to read
  }
}

/** RSS and PSS of every named process of the run (instances and backends of one name add up). */
export async function memoryByProcess(scope: RunScope): Promise<Map<string, Memory>> {
  const processes = await runProcesses(scope);
  const sizes = await Promise.all(processes.map(async (p) => ({ name: p.name, memory: await smapsRollup(p.pid) })));
  const byName = new Map<string, Memory>();
  for (const { name, memory } of sizes) {
    if (!memory) continue;
    const sum = byName.get(name) ?? { rssMiB: 0, pssMiB: 0 };
    byName.set(name, { rssMiB: sum.rssMiB + memory.rssMiB, pssMiB: sum.pssMiB + memory.pssMiB });
  }
  return byName;
}
