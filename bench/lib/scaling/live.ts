import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { withPlatform } from '../platform.ts';
import { GENEROUS_RATE_LIMITS } from '../shoppers.ts';

export interface LiveRampOptions {
  /** Requests per second one catalog instance is told it carries (MERCATO_AUTOSCALE_LIMITS). */
  capacityRps: number;
  peakRps: number;
  rampSeconds: number;
  holdSeconds: number;
}

const ADMIN = { email: 'admin@bench.test', password: 'bench admin password 1' };
const SAMPLE_MS = 5_000;
const TICK_MS = 50;

interface Sample {
  t: number;
  offered: number;
  instances: number;
  desired: number;
  forecastPeak: number;
  p99Ms: number;
}

/**
 * A ramp through the gateway on the whole platform with `mercato up --autoscale`: search requests
 * (each distinct, so the gateway's micro-cache passes them to catalog) rise linearly to `peakRps`
 * and hold. Every 5 s it notes the offered load, catalog's registered instances, the autoscaler's
 * desired count and forecast (`/api/ops/scaling`) and the load's p99; then, for each instance added,
 * when it was registered against when the load first passed what the instances before it carry.
 */
export async function liveRamp(o: LiveRampOptions, progress: (line: string) => void) {
  const env = {
    ...GENEROUS_RATE_LIMITS,
    MERCATO_ADMIN_EMAIL: ADMIN.email,
    MERCATO_ADMIN_PASSWORD: ADMIN.password,
    MERCATO_AUTOSCALE_LIMITS: `catalog=1-3@${o.capacityRps}`,
  };
  return withPlatform(
    env,
    progress,
    async (platform) => {
      const pool = new Pool(platform.gatewayUrl, { connections: 32 });
      const json = async (path: string, init: { method?: 'GET' | 'POST'; token?: string; body?: unknown } = {}) => {
        const answer = await pool.request({
          path,
          method: init.method ?? 'GET',
          headers: { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
          body: init.body === undefined ? undefined : JSON.stringify(init.body),
        });
        return (await answer.body.json()) as Record<string, unknown>;
      };
      const token = String((await json('/api/auth/login', { method: 'POST', body: ADMIN })).accessToken);
      const started = performance.now();
      const elapsed = () => (performance.now() - started) / 1_000;
      const total = o.rampSeconds + o.holdSeconds;
      const rateAt = (t: number) => (t < o.rampSeconds ? (o.peakRps * t) / o.rampSeconds : o.peakRps);
      let sent = 0;
      let failed = 0;
      let window: number[] = [];
      let windowSent = 0;
      const inFlight = new Set<Promise<void>>();
      progress(
        `ramp 0 → ${o.peakRps} req/s over ${o.rampSeconds} s, hold ${o.holdSeconds} s; one catalog instance carries ${o.capacityRps} req/s`,
      );

      const samples: Sample[] = [];
      const sampler = (async () => {
        while (elapsed() < total) {
          await sleep(SAMPLE_MS);
          const scaling = (await json('/api/ops/scaling', { token })) as {
            services: { name: string; desired: number; forecast: { value: number }[] }[];
          };
          const services = (await json('/api/ops/services', { token })) as { services: { name: string; instances: unknown[] }[] };
          const catalog = scaling.services.find((s) => s.name === 'catalog');
          const latencies = window.sort((a, b) => a - b);
          samples.push({
            t: Math.round(elapsed()),
            offered: Math.round(windowSent / (SAMPLE_MS / 1_000)),
            instances: services.services.find((s) => s.name === 'catalog')?.instances.length ?? 0,
            desired: catalog?.desired ?? 0,
            forecastPeak: Math.round(Math.max(0, ...(catalog?.forecast ?? []).slice(0, 12).map((p) => p.value))),
            p99Ms: Math.round(latencies[Math.floor(latencies.length * 0.99)] ?? 0),
          });
          const last = samples.at(-1);
          if (last)
            progress(
              `t=${last.t}s offered ${last.offered} req/s, catalog ${last.instances} registered / ${last.desired} desired, forecast ≤${last.forecastPeak} req/s, p99 ${last.p99Ms} ms`,
            );
          window = [];
          windowSent = 0;
        }
      })();

      let owed = 0;
      while (elapsed() < total) {
        owed += (rateAt(elapsed()) * TICK_MS) / 1_000;
        for (; owed >= 1; owed--) {
          const n = sent++;
          windowSent++;
          const begun = performance.now();
          const request = pool
            .request({ path: `/api/products?limit=2&q=item${n}`, method: 'GET' })
            .then(async (answer) => {
              await answer.body.dump();
              if (answer.statusCode >= 500) failed++;
              window.push(performance.now() - begun);
            })
            .catch(() => {
              failed++;
            })
            .finally(() => inFlight.delete(request));
          inFlight.add(request);
        }
        await sleep(TICK_MS);
      }
      await sampler;
      await Promise.all(inFlight);
      await pool.close();

      // When the offered load first passed what n instances carry, and when the n+1-th was registered.
      const added: Record<string, string | number>[] = [];
      for (let n = 1; n < 3; n++) {
        const needed = samples.find((s) => s.offered > n * o.capacityRps)?.t;
        const registered = samples.find((s) => s.instances > n)?.t;
        added.push({
          instance: n + 1,
          'registered at s': registered ?? 'never',
          'needed at s (load > carried)': needed ?? 'never',
          'ahead by s': registered !== undefined && needed !== undefined ? needed - registered : '—',
        });
      }
      return {
        timeline: samples as unknown as Record<string, string | number>[],
        added,
        summary: {
          'live ramp': `${sent} requests, ${failed} failed (5xx or network), peak ${o.peakRps} req/s reached at ${o.rampSeconds} s`,
          ...Object.fromEntries(
            added.map((a) => [
              `live: catalog instance ${a.instance}`,
              `registered at ${a['registered at s']} s, needed at ${a['needed at s (load > carried)']} s, ahead by ${a['ahead by s']} s`,
            ]),
          ),
        },
      };
    },
    ['--autoscale'],
  );
}
