import { readdir, readFile } from 'node:fs/promises';

/**
 * Requests per second one instance answers within the SLO, when no browse result is at hand: the
 * browse benchmark measured ~700–750 req/s for the demo-store mix on the whole platform on 2 cores
 * (ADR 0013, ADR 0022), i.e. ~350 req/s per core; a Node instance runs its JavaScript on one core.
 */
export const DEFAULT_CAPACITY_RPS = 350;

/** The newest `bench/results/browse-*.json`'s demo-mix req/s per core, or the default with where it came from. */
export async function instanceCapacity(): Promise<{ rps: number; source: string }> {
  const dir = new URL('../../results/', import.meta.url);
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.startsWith('browse-') && f.endsWith('.json')).sort();
  for (const file of files.reverse()) {
    try {
      const record = JSON.parse(await readFile(new URL(file, dir), 'utf8')) as {
        summary?: Record<string, unknown>;
        machine?: { cores?: number };
      };
      const rps = Number(record.summary?.['demo mix req/s']);
      const cores = Number(record.machine?.cores) || 2;
      if (rps > 0)
        return { rps: Math.round(rps / cores), source: `bench/results/${file}: demo mix ${Math.round(rps)} req/s / ${cores} cores` };
    } catch {
      // a half-written or older result: try the one before
    }
  }
  return { rps: DEFAULT_CAPACITY_RPS, source: 'default: the browse bench measured ~700 req/s on 2 cores (ADR 0013), 350 per core' };
}
