import { load } from './load.ts';

const WARM_UP_SECONDS = 2;

/** Each target in turn, after a warm-up: one table row each (req/s, p50, p99, errors). */
export async function measureTargets(
  targets: readonly { target: string; url: string }[],
  options: { seconds: number; connections: number; headers?: Record<string, string>; progress: (line: string) => void },
): Promise<Record<string, string | number>[]> {
  const rows: Record<string, string | number>[] = [];
  for (const { target, url } of targets) {
    options.progress(`warming up ${target} for ${WARM_UP_SECONDS} s…`);
    await load(url, { seconds: WARM_UP_SECONDS, connections: options.connections, headers: options.headers });
    options.progress(`measuring ${target} for ${options.seconds} s with ${options.connections} connections…`);
    const f = await load(url, { seconds: options.seconds, connections: options.connections, headers: options.headers });
    rows.push({ target, 'req/s': f.requestsPerSecond, 'p50 ms': f.p50Ms, 'p99 ms': f.p99Ms, errors: f.errors });
  }
  return rows;
}

/** `a / b` with two decimals: benchmark figures are reported as ratios within one run. */
export function ratio(a: number, b: number): number {
  return Number((a / b).toFixed(2));
}

export function positiveInteger(option: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`--${option} must be a whole number above 0 (got ${JSON.stringify(value)})`);
  return n;
}
