/**
 * When the supervisor restarts a child that failed (crashed, or stopped answering its readiness
 * check), and when it gives up: exponential backoff, and a crash loop — `crashLoopRestarts` restarts
 * within `crashLoopWindowMs` — stops the retries and raises an alert instead. Pure: time is passed in.
 */
export interface RestartPolicyOptions {
  /** The first restart's delay; each failure in a row doubles it. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** A child that ran this long is healthy again: its next failure restarts after minDelayMs. */
  stableAfterMs?: number;
  crashLoopRestarts?: number;
  crashLoopWindowMs?: number;
}

export type RestartVerdict =
  | { action: 'restart'; delayMs: number; attempt: number }
  | { action: 'give_up'; restarts: number; windowMs: number };

/**
 * 500 ms first: a crash from a transient cause (a dropped connection at start) is back at once; 15 s
 * at most: a service that cannot start yet (its database restarting) is tried four times a minute.
 * Five restarts in two minutes: with the backoff that is five failures in a row within ~8 s of
 * delays plus the children's own start times (2–3 s each), which no transient cause we have seen
 * produces (the faults suite's kills are one at a time), so it is a loop a restart will not fix.
 */
const DEFAULTS: Required<RestartPolicyOptions> = {
  minDelayMs: 500,
  maxDelayMs: 15_000,
  stableAfterMs: 30_000,
  crashLoopRestarts: 5,
  crashLoopWindowMs: 120_000,
};

export class RestartPolicy {
  readonly options: Required<RestartPolicyOptions>;
  /** Failures in a row since the child last ran stably. */
  #failuresInRow = 0;
  /** When each restart was decided, newest last, within the crash-loop window. */
  #restarts: number[] = [];

  constructor(options: RestartPolicyOptions = {}) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** The child started at `startedAt` failed at `now`: restart it after a delay, or give up. */
  onFailure(now: number, startedAt: number): RestartVerdict {
    const { minDelayMs, maxDelayMs, stableAfterMs, crashLoopRestarts, crashLoopWindowMs } = this.options;
    if (now - startedAt >= stableAfterMs) this.#failuresInRow = 0;
    this.#restarts = this.#restarts.filter((at) => at > now - crashLoopWindowMs);
    if (this.#restarts.length >= crashLoopRestarts) {
      return { action: 'give_up', restarts: this.#restarts.length, windowMs: crashLoopWindowMs };
    }
    const delayMs = Math.min(minDelayMs * 2 ** this.#failuresInRow, maxDelayMs);
    this.#failuresInRow += 1;
    this.#restarts.push(now);
    return { action: 'restart', delayMs, attempt: this.#failuresInRow };
  }
}
