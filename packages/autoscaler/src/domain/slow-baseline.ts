/** Mean absolute deviation → standard deviation for normal noise (√(π/2)). */
const MAD_TO_SIGMA = Math.sqrt(Math.PI / 2);

/**
 * The detector's second baseline, for drift: a slow EWMA of the readings (memory 1/α readings) that
 * the fast level is compared with. A slow leak moves the fast level with it (its lag, slope / α, stays
 * under the reading's noise), but it runs away from a baseline that remembers the last quarter hour;
 * a daily curve is slow enough that both follow it. The drift is scored against the noise of
 * (fast − slow) itself, far smaller than a reading's: for white noise of σ,
 * var(fast − slow) = σ²·(a/(2 − a) + b/(2 − b) − 2ab/(a + b − ab)) with a, b the two αs.
 */
export class SlowBaseline {
  readonly #alpha: number;
  /** sd(fast − slow) / sd(reading) for white noise. */
  readonly #noiseFactor: number;
  #count = 0;
  #level = 0;
  /** An EWMA of the readings' absolute deviations from the fast level, at the slow pace: a steadier σ than the fast spread. */
  #spread = 0;

  constructor(alpha: number, fastAlpha: number) {
    if (!(alpha > 0 && alpha < fastAlpha))
      throw new RangeError(`slowAlpha must be in (0, alpha) (got ${alpha} with alpha ${fastAlpha}); set drift: false for no slow baseline`);
    const a = fastAlpha;
    const b = alpha;
    this.#alpha = alpha;
    this.#noiseFactor = Math.sqrt(a / (2 - a) + b / (2 - b) - (2 * a * b) / (a + b - a * b));
  }

  /** The slow baseline's level. */
  get level(): number {
    return this.#level;
  }

  /** Readings learnt so far. */
  get count(): number {
    return this.#count;
  }

  /** How many standard deviations of its own noise the fast level stands from this baseline (signed). */
  score(fastLevel: number): number {
    const drift = fastLevel - this.#level;
    const sigma = this.#spread * MAD_TO_SIGMA * this.#noiseFactor;
    return sigma > 0 ? drift / sigma : drift === 0 ? 0 : Math.sign(drift) * Number.POSITIVE_INFINITY;
  }

  /**
   * Learns one reading: `fastDeviation` is its distance from the fast level before that level moved,
   * `weight` below 1 for a reading that stood out, which then leaves the spread alone as well.
   */
  learn(value: number, fastDeviation: number, weight: number): void {
    this.#count += 1;
    // The first readings are averaged (weight 1/n) so the baseline does not start from 0.
    const alpha = Math.max(this.#alpha, 1 / this.#count);
    if (this.#count === 1) {
      this.#level = value;
      return;
    }
    this.#level += alpha * weight * (value - this.#level);
    if (weight === 1) this.#spread += alpha * (Math.abs(fastDeviation) - this.#spread);
  }
}
