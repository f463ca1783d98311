/**
 * The recommendations of the last few minutes, as the Kubernetes HPA keeps them for its scale-down
 * stabilisation: a count below the current one is safe only once every recommendation in the window
 * is at or below it, so the count applied is the window's maximum.
 */
export class RecommendationWindow {
  readonly #windowMs: number;
  #entries: { at: number; count: number }[] = [];

  constructor(windowMs: number) {
    this.#windowMs = Math.max(0, windowMs);
  }

  get empty(): boolean {
    return this.#entries.length === 0;
  }

  add(at: number, count: number): void {
    this.#entries.push({ at, count });
    const from = at - this.#windowMs;
    let drop = 0;
    while (drop < this.#entries.length - 1 && (this.#entries[drop] as { at: number }).at < from) drop += 1;
    if (drop > 0) this.#entries = this.#entries.slice(drop);
  }

  /** The highest recommendation in the window, or in its part from `from` on (a shorter window). */
  max(from = Number.NEGATIVE_INFINITY): number {
    let max = 0;
    for (const e of this.#entries) if (e.at >= from) max = Math.max(max, e.count);
    return max;
  }

  /** Ms until no recommendation of `count` or more is left in the window (or a shorter one of `windowMs`); 0 when none is. */
  holdFor(count: number, now: number, windowMs = this.#windowMs): number {
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      const e = this.#entries[i] as { at: number; count: number };
      if (e.count >= count) return Math.max(0, e.at + Math.min(windowMs, this.#windowMs) - now);
    }
    return 0;
  }
}
