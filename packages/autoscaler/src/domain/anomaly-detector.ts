import type { Anomaly, AnomalyDetectorOptions, SeriesDetector } from './api.ts';
import { SlowBaseline } from './slow-baseline.ts';

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
  /** Also compare the fast level with a slow baseline, so a slow leak the fast level follows is raised (default true). */
  drift?: boolean;
  /** The slow baseline's smoothing (its memory is ~1/slowAlpha readings); the drift is judged from reading 1/slowAlpha on. */
  slowAlpha?: number;
  /** Standard deviations of (fast level − slow baseline) above which the level has drifted. */
  driftThreshold?: number;
  /** Drifted readings in a row that raise. */
  driftConfirm?: number;
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
  drift: true,
  /**
   * The slow baseline's memory is 180 readings (15 min at 5 s): it lags a daily curve by its slope ×
   * 180, on the bench's (±30 %, 10 % noise) about 1.5 standard deviations of the drift at the
   * steepest hour; with 360 (30 min) that curve raised 0.006 false alarms an hour at threshold 5
   * (100 runs, seed 2), with 180 none.
   */
  slowAlpha: 1 / 180,
  /**
   * On the bench's daily curve (100 runs, seed 2) threshold 4 raised 0.001 false alarms an hour, 5
   * and 6 none in 2,500 fault-free hours; 6 for margin costs the +2 %/min leak a minute (found after
   * 88 → 100 readings, p50).
   */
  driftThreshold: 6,
  /** A minute of drift in a row (not tuned: the level's own noise is correlated over ~20 readings, so more buys little). */
  driftConfirm: 12,
} as const;

/** Mean absolute deviation → standard deviation for normal noise (√(π/2)). */
const MAD_TO_SIGMA = Math.sqrt(Math.PI / 2);

/**
 * A streaming anomaly detector: an EWMA level, an EWMA of absolute deviations as a robust spread,
 * score = (value − level) / spread. Raises once per episode, on the `confirm`-th anomalous reading
 * in a row; the episode ends after `rearmAfter` normal readings. Anomalous readings barely move the
 * level or the spread, so an incident does not become the baseline while it lasts.
 *
 * With `drift` it also keeps a slow baseline (slow-baseline.ts) and raises, in the same episode
 * bookkeeping, when the fast level has stood `driftThreshold` of its own standard deviations above it
 * for `driftConfirm` readings: a slow leak the fast level follows. The anomaly then reports the
 * fast level as its value and the slow baseline as expected; either kind opens the one episode.
 */
export class EwmaDetector implements SeriesDetector {
  readonly #o: Required<EwmaDetectorOptions>;
  readonly #slow: SlowBaseline | undefined;
  #count = 0;
  #level = 0;
  #spread = 0;
  #streak = 0;
  #driftStreak = 0;
  #normalStreak = 0;
  #inEpisode = false;

  constructor(options: EwmaDetectorOptions = {}) {
    this.#o = { ...DETECTOR_DEFAULTS, ...stripUndefined(options) };
    if (!(this.#o.alpha > 0 && this.#o.alpha <= 1)) throw new RangeError(`alpha must be in (0, 1] (got ${this.#o.alpha})`);
    if (this.#o.drift) this.#slow = new SlowBaseline(this.#o.slowAlpha, this.#o.alpha);
  }

  /** The level the detector expects now. */
  get expected(): number {
    return this.#level;
  }

  /** The slow baseline the level is compared with (undefined without `drift`). */
  get slowBaseline(): number | undefined {
    return this.#slow?.level;
  }

  observe(at: number, value: number): Anomaly | undefined {
    if (!Number.isFinite(value)) return undefined;
    const o = this.#o;
    this.#count += 1;
    // The first readings are averaged (weight 1/n) so the level and spread do not start from 0.
    const alpha = Math.max(o.alpha, 1 / this.#count);
    if (this.#count === 1) {
      this.#level = value;
      this.#slow?.learn(value, 0, 1);
      return undefined;
    }
    const deviation = value - this.#level;
    const sigma = this.#spread * MAD_TO_SIGMA;
    const score = sigma > 0 ? deviation / sigma : deviation === 0 ? 0 : Math.sign(deviation) * Number.POSITIVE_INFINITY;
    const anomalous = this.#count > o.warmup && this.#beyond(score, deviation, o.threshold);

    // An anomalous reading moves the level by a twentieth of a normal one and the spread not at all:
    // a spread that took in the incident's deviations halved the score of a 25σ step within 40 readings.
    this.#level += (anomalous ? alpha * o.anomalousWeight : alpha) * deviation;
    if (!anomalous) this.#spread += alpha * (Math.abs(deviation) - this.#spread);

    const drift = this.#drift(value, deviation, anomalous);
    if (!anomalous && !drift.drifted) {
      this.#streak = 0;
      this.#driftStreak = 0;
      this.#normalStreak += 1;
      if (this.#normalStreak >= o.rearmAfter) this.#inEpisode = false;
      return undefined;
    }
    this.#normalStreak = 0;
    this.#streak = anomalous ? this.#streak + 1 : 0;
    this.#driftStreak = drift.drifted ? this.#driftStreak + 1 : 0;
    if (this.#inEpisode) return undefined;
    if (this.#streak >= o.confirm) {
      this.#inEpisode = true;
      return { at, value, expected: value - deviation, score, baseline: 'fast' };
    }
    if (this.#driftStreak >= o.driftConfirm) {
      this.#inEpisode = true;
      // One reading says little about a drift: the value is the level that drifted.
      return { at, value: this.#level, expected: drift.expected, score: drift.score, baseline: 'slow' };
    }
    return undefined;
  }

  /** Over the threshold in the direction that counts, and past the series' noise floor. */
  #beyond(score: number, deviation: number, threshold: number): boolean {
    const o = this.#o;
    return (o.upOnly ? score : Math.abs(score)) > threshold && (o.upOnly ? deviation : Math.abs(deviation)) > o.minDeviation;
  }

  /**
   * Compares the (moved) fast level with the slow baseline, then lets the baseline learn the reading:
   * at the anomalous weight when the fast check found it anomalous (a lone spike, a step) so that does
   * not drag it, in full otherwise, a drifted level included. Held still during a drift as well, the
   * baseline kept a lasting 2× step, once the fast level had accepted it, one open episode for about
   * 12 more hours (1/(slowAlpha × anomalousWeight) = 3,600 readings per e-fold): a burst on top of it
   * 2 or 5 hours in was not raised. Learning it, a leak that stops is normal again after about
   * ln(drift / threshold) / slowAlpha readings, and one that goes on stays raised, its drift settling
   * at slope / slowAlpha.
   */
  #drift(value: number, deviation: number, anomalous: boolean): { drifted: boolean; expected: number; score: number } {
    const slow = this.#slow;
    if (!slow) return { drifted: false, expected: this.#level, score: 0 };
    const o = this.#o;
    const expected = slow.level;
    const score = slow.score(this.#level);
    const drifted =
      this.#count > o.warmup && slow.count >= 1 / o.slowAlpha && this.#beyond(score, this.#level - expected, o.driftThreshold);
    slow.learn(value, deviation, anomalous ? o.anomalousWeight : 1);
    return { drifted, expected, score };
  }
}

function stripUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
