import type { Anomaly, AnomalyDetectorOptions, SeriesDetector } from './api.ts';

export interface EwmaDetectorOptions extends AnomalyDetectorOptions {
  /** Normal readings in a row that end an episode, so the next anomaly raises again. Default 12 (1 min at 5 s). */
  rearmAfter?: number;
  /**
   * How much of the normal level update an anomalous reading makes (default 0.05): at α 0.05 the
   * level closes 0.25 % of the gap per reading, so a sustained step of 25σ stays detected for about
   * an hour at 5 s (ln(25/4)/0.0025 ≈ 730 readings) and is then the new normal instead of an
   * incident for ever; a series that comes back re-arms the detector after `rearmAfter` readings.
   */
  anomalousWeight?: number;
}

/** The defaults, each with its reason (measured by `npm run bench -- scaling --parts detector`). */
export const DETECTOR_DEFAULTS = {
  /** The level's memory is ~1/α = 20 readings (100 s at 5 s): long enough that a step stands out, short enough to follow a daily curve. */
  alpha: 0.05,
  /** 4 robust standard deviations: a Gaussian reading is over it 3 times in 100,000. */
  threshold: 4,
  /** 30 readings (2.5 min) before any verdict: the level and the spread start from the first readings' mean. */
  warmup: 30,
  /** Three in a row: lone spikes (a GC pause, one slow query) are not incidents; three readings are 15 s at 5 s. */
  confirm: 3,
  minDeviation: 0,
  upOnly: true,
  rearmAfter: 12,
  anomalousWeight: 0.05,
} as const;

/** Mean absolute deviation → standard deviation for normal noise (√(π/2)). */
const MAD_TO_SIGMA = Math.sqrt(Math.PI / 2);

/**
 * A streaming anomaly detector: an EWMA level, an EWMA of absolute deviations as a robust spread,
 * score = (value − level) / spread. Raises once per episode, on the `confirm`-th anomalous reading
 * in a row; the episode ends after `rearmAfter` normal readings. Anomalous readings barely move the
 * level or the spread, so an incident does not become the baseline while it lasts.
 */
export class EwmaDetector implements SeriesDetector {
  readonly #o: Required<EwmaDetectorOptions>;
  #count = 0;
  #level = 0;
  #spread = 0;
  #streak = 0;
  #normalStreak = 0;
  #inEpisode = false;

  constructor(options: EwmaDetectorOptions = {}) {
    this.#o = { ...DETECTOR_DEFAULTS, ...stripUndefined(options) };
    if (!(this.#o.alpha > 0 && this.#o.alpha <= 1)) throw new RangeError(`alpha must be in (0, 1] (got ${this.#o.alpha})`);
  }

  /** The level the detector expects now. */
  get expected(): number {
    return this.#level;
  }

  observe(at: number, value: number): Anomaly | undefined {
    if (!Number.isFinite(value)) return undefined;
    const o = this.#o;
    this.#count += 1;
    // The first readings are averaged (weight 1/n) so the level and spread do not start from 0.
    const alpha = Math.max(o.alpha, 1 / this.#count);
    if (this.#count === 1) {
      this.#level = value;
      return undefined;
    }
    const deviation = value - this.#level;
    const sigma = this.#spread * MAD_TO_SIGMA;
    const score = sigma > 0 ? deviation / sigma : deviation === 0 ? 0 : Math.sign(deviation) * Number.POSITIVE_INFINITY;
    const out = o.upOnly ? deviation : Math.abs(deviation);
    const anomalous = this.#count > o.warmup && (o.upOnly ? score : Math.abs(score)) > o.threshold && out > o.minDeviation;

    // An anomalous reading moves the level by a twentieth of a normal one and the spread not at all:
    // a spread that took in the incident's deviations halved the score of a 25σ step within 40 readings.
    this.#level += (anomalous ? alpha * o.anomalousWeight : alpha) * deviation;
    if (!anomalous) this.#spread += alpha * (Math.abs(deviation) - this.#spread);

    if (!anomalous) {
      this.#streak = 0;
      this.#normalStreak += 1;
      if (this.#normalStreak >= o.rearmAfter) this.#inEpisode = false;
      return undefined;
    }
    this.#normalStreak = 0;
    this.#streak += 1;
    if (this.#inEpisode || this.#streak < o.confirm) return undefined;
    this.#inEpisode = true;
    return { at, value, expected: value - deviation, score };
  }
}

function stripUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
