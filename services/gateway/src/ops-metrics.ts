import { EwmaDetector, type SeriesDetector } from '@mercato/autoscaler';
import { type Discovery, type Logger, SERVICE_NAMES, type ServiceTokens } from '@mercato/kit';
import { type Dispatcher, request } from 'undici';
import type { ControlClient } from './control-client.ts';
import { type AlertState, evaluateAlerts, NO_ALERTS, type ServiceHealth } from './domain/alert-rules.ts';
import { ANOMALY_SERIES, type AnomalySeries, type InstanceStep, SLOW_BASELINE_READINGS, stepReadings } from './domain/anomaly-series.ts';
import {
  type BusinessFigures,
  businessFigures,
  errorShare,
  type InstanceSample,
  type RequestCounts,
  type ServiceFigures,
  sampleFromMetricsText,
  serviceFigures,
} from './domain/ops-metrics.ts';
import type { OpsEventRecorder } from './ops-events.ts';

/** The console's figures: the last minute. */
const WINDOW_MS = 60_000;
/** The longest window of a rule that reads the latency histogram (LatencyOverSlo, ErrorBudgetBurn's short one). */
const FIVE_MINUTES_MS = 5 * 60_000;
/** The error budget rules' windows (ErrorBudgetBurn 5 min and 1 h, ErrorBudgetBurnSlow 30 min and 6 h): only request and 5xx counts are kept this long. */
const THIRTY_MINUTES_MS = 30 * 60_000;
const HOUR_MS = 60 * 60_000;
const SIX_HOURS_MS = 6 * HOUR_MS;
const SCRAPE_TIMEOUT_MS = 2_000;
/** Two samples further apart than this many rounds (an instance that did not answer for a while) are not one step. */
const MAX_STEP_ROUNDS = 3;

/** A step fed to the detectors spans at least this share of the scrape interval. */
const MIN_STEP_SHARE = 0.8;

/** Makes the detector of one series of one service. */
export type DetectorFactory = (series: AnomalySeries, service: string) => SeriesDetector;

/**
 * The autoscaler's EWMA detector with its measured defaults (warm-up 30 readings, 3 in a row, 4σ), the
 * series' noise floor, and its drift check against an hour's baseline (domain/anomaly-series.ts says why).
 */
export const ewmaDetectors: DetectorFactory = (series) =>
  new EwmaDetector({ minDeviation: series.minDeviation, drift: true, slowAlpha: 1 / SLOW_BASELINE_READINGS });

export interface OpsMetricsSnapshot {
  at: string;
  services: ServiceFigures[];
  bus: { backlog: number; deadLetters: number; oldestOutboxAgeSeconds: number; sagaOldestStepAgeSeconds: number };
  business: BusinessFigures;
}

/** One instance's samples: whole ones for five minutes, its request counts for six hours. */
interface InstanceHistory {
  service: string;
  samples: InstanceSample[];
  counts: RequestCounts[];
}

/**
 * `GET /api/ops/metrics`: the gateway reads every instance's `/metrics` every few seconds with its
 * ops credential and keeps the last minutes of samples in memory (a console view, not a time-series
 * store: Prometheus does that job in a deployment, [10]). After each round it evaluates the alert
 * rules (domain/alert-rules.ts) on what it gathered and records each alert starting and ending as an
 * ops event.
 */
export class OpsMetrics {
  readonly #discovery: Discovery;
  readonly #tokens: ServiceTokens | undefined;
  readonly #log: Logger;
  readonly #intervalMs: number;
  readonly #events: OpsEventRecorder | undefined;
  readonly #now: () => number;
  /** instance id → what was read of it. */
  readonly #instances = new Map<string, InstanceHistory>();
  #alerts: AlertState = NO_ALERTS;
  readonly #detectorFor: DetectorFactory;
  /** `service/series` → its detector, made on the first reading. */
  readonly #detectors = new Map<string, SeriesDetector>();
  #lastDetectedAt = Number.NEGATIVE_INFINITY;
  readonly #control: ControlClient | undefined;
  #timer: NodeJS.Timeout | undefined;
  #scraping: Promise<void> | undefined;
  readonly #dispatcher: Dispatcher | undefined;

  constructor(options: {
    discovery: Discovery;
    tokens: ServiceTokens | undefined;
    log: Logger;
    intervalMs?: number;
    /** Where alerts starting and ending are recorded. */
    events?: OpsEventRecorder;
    /** The clock (tests move it). */
    now?: () => number;
    /** MERCATO_INTERNAL_TLS=on: the dispatcher that presents the gateway's certificate (`context.internalDispatcher`). */
    dispatcher?: Dispatcher | undefined;
    /** Anomaly detection: one detector per series per service, fed after each round (default: ewmaDetectors). */
    detectors?: DetectorFactory | undefined;
    /** The control loop (MERCATO_CONTROL_URL): its new events are kept in `events` after each round. */
    control?: ControlClient | undefined;
  }) {
    this.#detectorFor = options.detectors ?? ewmaDetectors;
    this.#control = options.control;
    this.#dispatcher = options.dispatcher;
    this.#discovery = options.discovery;
    this.#tokens = options.tokens;
    this.#log = options.log;
    this.#intervalMs = options.intervalMs ?? 5_000;
    this.#events = options.events;
    this.#now = options.now ?? Date.now;
  }

  start(): void {
    this.#timer = setInterval(() => void this.scrape(), this.#intervalMs);
    this.#timer.unref();
    void this.scrape();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** One round over every live instance, then the alert rules, anomaly detection and the control loop's events; concurrent callers share it. */
  scrape(): Promise<void> {
    this.#scraping ??= this.#scrapeAll()
      .then(async (fresh) => {
        this.#evaluate();
        this.#detect(fresh);
        if (this.#control && this.#events) await this.#control.pollEvents(this.#events);
      })
      .catch((error: unknown) => this.#log.warn({ err: error }, 'an ops metrics round failed'))
      .finally(() => {
        this.#scraping = undefined;
      });
    return this.#scraping;
  }

  /** Reads every live instance; returns the ids of those read in this round. */
  async #scrapeAll(): Promise<Set<string>> {
    const fresh = new Set<string>();
    const live = new Set<string>();
    for (const service of SERVICE_NAMES) for (const instance of this.#discovery.instances(service)) live.add(instance.id);
    if (this.#tokens) {
      await Promise.all(
        SERVICE_NAMES.flatMap((service) =>
          this.#discovery.instances(service).map(async (instance) => {
            const sample = await this.#scrapeOne(service, instance.url);
            if (!sample) return;
            this.#keep(instance.id, service, sample);
            fresh.add(instance.id);
          }),
        ),
      );
    }
    for (const id of this.#instances.keys()) if (!live.has(id)) this.#instances.delete(id);
    return fresh;
  }

  #keep(instanceId: string, service: string, sample: InstanceSample): void {
    const history = this.#instances.get(instanceId) ?? { service, samples: [], counts: [] };
    history.samples.push(sample);
    history.counts.push({ at: sample.at, requests: sample.requests, errors: sample.errors });
    // One sample more than each window, so the window's start always has a sample at or before it.
    while ((history.samples[0]?.at ?? sample.at) < sample.at - FIVE_MINUTES_MS - this.#intervalMs) history.samples.shift();
    while ((history.counts[0]?.at ?? sample.at) < sample.at - SIX_HOURS_MS - this.#intervalMs) history.counts.shift();
    this.#instances.set(instanceId, history);
  }

  async #scrapeOne(service: string, url: string): Promise<InstanceSample | undefined> {
    try {
      const response = await request(`${url}/metrics`, {
        headers: { authorization: `Bearer ${await this.#tokens?.tokenFor(service)}` },
        headersTimeout: SCRAPE_TIMEOUT_MS,
        bodyTimeout: SCRAPE_TIMEOUT_MS,
        dispatcher: this.#dispatcher,
      });
      const text = await response.body.text();
      return response.statusCode === 200 ? sampleFromMetricsText(text, this.#now()) : undefined;
    } catch (error) {
      this.#log.debug({ err: error, service, url }, 'could not read an instance’s metrics');
      return undefined;
    }
  }

  /** What the alert rules read of each service of the topology, now. */
  health(): ServiceHealth[] {
    const now = this.#now();
    return SERVICE_NAMES.map((name) => {
      const histories = [...this.#instances.values()].filter((h) => h.service === name);
      const samples = histories.map((h) => h.samples);
      const counts = histories.map((h) => h.counts);
      const fiveMinutes = errorShare(samples, FIVE_MINUTES_MS, now);
      const latest = histories.map((h) => h.samples.at(-1)).filter((s) => s !== undefined);
      // The gauges read each service's own database: every instance reports the same rows, so the max, never the sum.
      const max = (read: (s: InstanceSample) => number | undefined) => {
        const values = latest.map(read).filter((v) => v !== undefined);
        return values.length > 0 ? Math.max(...values) : undefined;
      };
      return {
        name,
        instances: this.#discovery.instances(name).length,
        rps1m: serviceFigures(name, samples, WINDOW_MS, now).rps,
        errorRatio1m: errorShare(samples, WINDOW_MS, now).ratio,
        errorRatio5m: fiveMinutes.ratio,
        errorRatio30m: errorShare(counts, THIRTY_MINUTES_MS, now).ratio,
        errorRatio1h: errorShare(counts, HOUR_MS, now).ratio,
        errorRatio6h: errorShare(counts, SIX_HOURS_MS, now).ratio,
        p99Ms5m: fiveMinutes.requests > 0 ? serviceFigures(name, samples, FIVE_MINUTES_MS, now).p99Ms : undefined,
        sagaOldestStepAgeSeconds: max((s) => s.sagaOldestStepAgeSeconds),
        outboxOldestAgeSeconds: max((s) => s.outboxOldestAgeSeconds),
        deadLetters: max((s) => s.deadLetters),
      };
    });
  }

  #evaluate(): void {
    const { state, changes } = evaluateAlerts(this.#alerts, this.health(), this.#now());
    this.#alerts = state;
    for (const change of changes) {
      this.#log.warn({ service: change.service, ...change.detail }, change.kind === 'alert_firing' ? 'alert firing' : 'alert resolved');
      this.#events?.record(change.kind, change.service, change.detail);
    }
  }

  /**
   * Feeds each service's readings over the last step (domain/anomaly-series.ts) to its detectors
   * and records an `anomaly` event when one starts; the detector reports an episode once.
   */
  #detect(fresh: ReadonlySet<string>): void {
    const now = this.#now();
    // A console polling /api/ops/metrics adds rounds between the timed ones: the detectors are fed at the
    // timed pace only (their warm-up and "three in a row" are counted in 5 s steps), each over a full step.
    if (now - this.#lastDetectedAt < MIN_STEP_SHARE * this.#intervalMs) return;
    this.#lastDetectedAt = now;
    for (const service of SERVICE_NAMES) {
      const steps: InstanceStep[] = [];
      for (const [id, history] of this.#instances) {
        if (history.service !== service || !fresh.has(id)) continue;
        const newer = history.samples.at(-1);
        const older = newer && history.samples.findLast((sample) => sample.at <= newer.at - MIN_STEP_SHARE * this.#intervalMs);
        if (older && newer && newer.at - older.at <= MAX_STEP_ROUNDS * this.#intervalMs) steps.push({ older, newer });
      }
      if (steps.length === 0) continue;
      const readings = stepReadings(steps);
      for (const series of ANOMALY_SERIES) {
        const value = readings[series.name];
        if (value === undefined) continue;
        const key = `${service}/${series.name}`;
        let detector = this.#detectors.get(key);
        if (!detector) {
          detector = this.#detectorFor(series, service);
          this.#detectors.set(key, detector);
        }
        const anomaly = detector.observe(now, value);
        if (!anomaly) continue;
        const detail = {
          series: series.name,
          value: round(anomaly.value, series.unit),
          expected: round(anomaly.expected, series.unit),
          score: Number(anomaly.score.toFixed(1)),
          unit: series.unit,
          baseline: anomaly.baseline,
        };
        this.#log.warn({ service, ...detail }, 'anomaly');
        this.#events?.record('anomaly', service, detail);
      }
    }
  }

  async snapshot(): Promise<OpsMetricsSnapshot> {
    await this.scrape();
    const now = this.#now();
    const histories = [...this.#instances.values()];
    const latest = histories.map((h) => h.samples.at(-1));
    return {
      at: new Date(now).toISOString(),
      services: SERVICE_NAMES.map((name) =>
        serviceFigures(
          name,
          histories.filter((h) => h.service === name).map((h) => h.samples),
          WINDOW_MS,
          now,
        ),
      ),
      bus: {
        backlog: latest.reduce((sum, s) => sum + (s?.outboxBacklog ?? 0), 0),
        deadLetters: latest.reduce((sum, s) => sum + (s?.deadLetters ?? 0), 0),
        // Ages: the oldest anywhere (instances of one service report the same rows).
        oldestOutboxAgeSeconds: Math.max(0, ...latest.map((s) => s?.outboxOldestAgeSeconds ?? 0)),
        sagaOldestStepAgeSeconds: Math.max(0, ...latest.map((s) => s?.sagaOldestStepAgeSeconds ?? 0)),
      },
      business: businessFigures(
        histories.map((h) => h.samples),
        WINDOW_MS,
        now,
      ),
    };
  }
}

/** Figures as a console shows them: ms to 0.1, a share to 0.0001, seconds to 0.01. */
function round(value: number, unit: AnomalySeries['unit']): number {
  return Number(value.toFixed(unit === 'ratio' ? 4 : unit === 'ms' ? 1 : 2));
}
