import { type Discovery, type Logger, SERVICE_NAMES, type ServiceTokens } from '@mercato/kit';
import { request } from 'undici';
import { type InstanceSample, type ServiceFigures, sampleFromMetricsText, serviceFigures } from './domain/ops-metrics.ts';

const WINDOW_MS = 60_000;
const SCRAPE_TIMEOUT_MS = 2_000;

export interface OpsMetricsSnapshot {
  at: string;
  services: ServiceFigures[];
  bus: { backlog: number; deadLetters: number };
}

/**
 * `GET /api/ops/metrics`: the gateway reads every instance's `/metrics` every few seconds with its
 * ops credential and keeps the last minute of samples in memory (a console view, not a time-series
 * store: Prometheus does that job in a deployment, [10]).
 */
export class OpsMetrics {
  readonly #discovery: Discovery;
  readonly #tokens: ServiceTokens | undefined;
  readonly #log: Logger;
  readonly #intervalMs: number;
  /** instance id → its samples, oldest first. */
  readonly #samples = new Map<string, { service: string; samples: InstanceSample[] }>();
  #timer: NodeJS.Timeout | undefined;
  #scraping: Promise<void> | undefined;

  constructor(options: { discovery: Discovery; tokens: ServiceTokens | undefined; log: Logger; intervalMs?: number }) {
    this.#discovery = options.discovery;
    this.#tokens = options.tokens;
    this.#log = options.log;
    this.#intervalMs = options.intervalMs ?? 5_000;
  }

  start(): void {
    this.#timer = setInterval(() => void this.scrape(), this.#intervalMs);
    this.#timer.unref();
    void this.scrape();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** One round over every live instance; concurrent callers share it. */
  scrape(): Promise<void> {
    this.#scraping ??= this.#scrapeAll().finally(() => {
      this.#scraping = undefined;
    });
    return this.#scraping;
  }

  async #scrapeAll(): Promise<void> {
    if (!this.#tokens) return;
    const live = new Set<string>();
    await Promise.all(
      SERVICE_NAMES.flatMap((service) =>
        this.#discovery.instances(service).map(async (instance) => {
          live.add(instance.id);
          const sample = await this.#scrapeOne(service, instance.url);
          if (!sample) return;
          const entry = this.#samples.get(instance.id) ?? { service, samples: [] };
          entry.samples.push(sample);
          while (entry.samples.length > 0 && sample.at - (entry.samples[0]?.at ?? 0) > WINDOW_MS + this.#intervalMs) entry.samples.shift();
          this.#samples.set(instance.id, entry);
        }),
      ),
    );
    for (const id of this.#samples.keys()) if (!live.has(id)) this.#samples.delete(id);
  }

  async #scrapeOne(service: string, url: string): Promise<InstanceSample | undefined> {
    try {
      const response = await request(`${url}/metrics`, {
        headers: { authorization: `Bearer ${await this.#tokens?.tokenFor(service)}` },
        headersTimeout: SCRAPE_TIMEOUT_MS,
        bodyTimeout: SCRAPE_TIMEOUT_MS,
      });
      const text = await response.body.text();
      return response.statusCode === 200 ? sampleFromMetricsText(text, Date.now()) : undefined;
    } catch (error) {
      this.#log.debug({ err: error, service, url }, 'could not read an instance’s metrics');
      return undefined;
    }
  }

  async snapshot(): Promise<OpsMetricsSnapshot> {
    await this.scrape();
    const now = Date.now();
    const entries = [...this.#samples.values()];
    const latest = entries.map((e) => e.samples.at(-1));
    return {
      at: new Date(now).toISOString(),
      services: SERVICE_NAMES.map((name) =>
        serviceFigures(
          name,
          entries.filter((e) => e.service === name).map((e) => e.samples),
          WINDOW_MS,
          now,
        ),
      ),
      bus: {
        backlog: latest.reduce((sum, s) => sum + (s?.outboxBacklog ?? 0), 0),
        deadLetters: latest.reduce((sum, s) => sum + (s?.deadLetters ?? 0), 0),
      },
    };
  }
}
