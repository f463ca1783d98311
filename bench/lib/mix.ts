import { createRandom } from '@mercato/demo-data';
import { Pool } from 'undici';
import { ms, percentile } from './stats.ts';

/** One kind of request in a mix: how often it is picked, and how to build it for a virtual user. */
export interface MixEntry<U> {
  name: string;
  weight: number;
  request(user: U, pick: <T>(items: readonly T[]) => T): { method: 'GET' | 'POST'; path: string; body?: unknown };
}

/** Called as the measured window opens and closes (e.g. to read each process's CPU time). */
export interface MeasuredWindow {
  begin(): Promise<void>;
  end(): Promise<void>;
}

export interface MixFigures {
  rows: Record<string, string | number>[];
  totalPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

/**
 * Closed-loop load of a weighted request mix: one virtual user per connection, each sending its
 * next request when the answer is in, the kind drawn by weight from a seeded generator. Latency is
 * kept per kind (and overall), measured after a warm-up.
 */
export async function runMix<U extends { token?: string }>(
  origin: string,
  users: readonly U[],
  entries: readonly MixEntry<U>[],
  options: { seconds: number; warmUpSeconds: number; window?: MeasuredWindow },
): Promise<MixFigures> {
  const pool = new Pool(origin, { connections: users.length, pipelining: 1, keepAliveTimeout: 30_000 });
  const totalWeight = entries.reduce((sum, e) => sum + e.weight, 0);
  // Seeded: the same mix in every run.
  const random = createRandom('browse-mix');
  const pick = <T>(items: readonly T[]): T => random.pick(items);
  const choose = (): MixEntry<U> => {
    let r = random.next() * totalWeight;
    for (const entry of entries) {
      r -= entry.weight;
      if (r < 0) return entry;
    }
    return entries[entries.length - 1] as MixEntry<U>;
  };

  const latencies = new Map<string, number[]>(entries.map((e) => [e.name, []]));
  const errors = new Map<string, number>(entries.map((e) => [e.name, 0]));
  let measuring = false;
  let stopping = false;

  const loop = async (user: U) => {
    while (!stopping) {
      const entry = choose();
      const { method, path, body } = entry.request(user, pick);
      const headers: Record<string, string> = {};
      if (user.token) headers.authorization = `Bearer ${user.token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const started = performance.now();
      let ok = false;
      try {
        const answer = await pool.request({ method, path, headers, body: body === undefined ? undefined : JSON.stringify(body) });
        await answer.body.dump();
        ok = answer.statusCode < 400;
      } catch {
        ok = false;
      }
      if (!measuring) continue;
      latencies.get(entry.name)?.push(performance.now() - started);
      if (!ok) errors.set(entry.name, (errors.get(entry.name) ?? 0) + 1);
    }
  };

  const loops = users.map(loop);
  await new Promise((resolve) => setTimeout(resolve, options.warmUpSeconds * 1000));
  await options.window?.begin();
  measuring = true;
  const measuredFrom = performance.now();
  await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
  measuring = false;
  const elapsed = (performance.now() - measuredFrom) / 1000;
  await options.window?.end();
  stopping = true;
  await Promise.all(loops);
  await pool.close();

  const rows: Record<string, string | number>[] = [];
  const all: number[] = [];
  let errorTotal = 0;
  for (const entry of entries) {
    const values = (latencies.get(entry.name) ?? []).sort((a, b) => a - b);
    for (const value of values) all.push(value);
    errorTotal += errors.get(entry.name) ?? 0;
    rows.push({
      request: entry.name,
      weight: entry.weight,
      'req/s': Math.round(values.length / elapsed),
      'p50 ms': ms(percentile(values, 50)),
      'p99 ms': ms(percentile(values, 99)),
      errors: errors.get(entry.name) ?? 0,
    });
  }
  all.sort((a, b) => a - b);
  const totalPerSecond = Math.round(all.length / elapsed);
  rows.push({
    request: 'mix',
    weight: totalWeight,
    'req/s': totalPerSecond,
    'p50 ms': ms(percentile(all, 50)),
    'p99 ms': ms(percentile(all, 99)),
    errors: errorTotal,
  });
  return { rows, totalPerSecond, p50Ms: ms(percentile(all, 50)), p99Ms: ms(percentile(all, 99)), errors: errorTotal };
}
