import type { ManagedProcess } from '../managed-process.ts';
import { type SmallTls, smallRequest } from '../small-http.ts';

export interface ReadinessWatchOptions {
  intervalMs?: number;
  timeoutMs?: number;
  /** Unanswered checks in a row before the instance is recycled. */
  failuresToRecycle?: number;
  /** How long a recycled instance may drain before SIGKILL. */
  drainMs?: number;
  tls?: SmallTls | undefined;
}

/**
 * Every 2 s each ready child's `/health/ready` is asked, with a 2 s bound; three checks in a row
 * without an answer (~10 s: a hung or livelocked process, a lost listener) recycle it. A 503 is an
 * answer: a service that says its database or a peer is down would not be mended by a restart, and
 * restarting every service at once during a database outage would only add a storm to it. The
 * faults suite pauses a service for 5 s (SIGSTOP); that stays below the bound and is left to resume.
 */
const DEFAULTS = { intervalMs: 2_000, timeoutMs: 2_000, failuresToRecycle: 3, drainMs: 5_000 };

export class ReadinessWatch {
  readonly #options: typeof DEFAULTS & { tls?: SmallTls | undefined };
  readonly #processes: () => readonly ManagedProcess[];
  readonly #unanswered = new Map<ManagedProcess, number>();
  readonly #checking = new Set<ManagedProcess>();
  #timer: NodeJS.Timeout | undefined;

  constructor(processes: () => readonly ManagedProcess[], options: ReadinessWatchOptions = {}) {
    this.#processes = processes;
    this.#options = { ...DEFAULTS, ...options };
  }

  start(): void {
    this.#timer = setInterval(() => this.#round(), this.#options.intervalMs);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #round(): void {
    const watched = this.#processes();
    // A drained or forgotten process is no longer watched.
    for (const managed of this.#unanswered.keys()) if (!watched.includes(managed)) this.#unanswered.delete(managed);
    for (const managed of watched) {
      // One check at a time per child: a hung one is not asked again while the last question is open.
      if (this.#checking.has(managed)) continue;
      const url = managed.ready?.url;
      if (!url || managed.stopping) {
        this.#unanswered.delete(managed);
        continue;
      }
      this.#checking.add(managed);
      void this.#check(managed, url).finally(() => this.#checking.delete(managed));
    }
  }

  async #check(managed: ManagedProcess, url: string): Promise<void> {
    const pid = managed.child?.pid;
    const answered = await smallRequest(`${url}/health/ready`, { timeoutMs: this.#options.timeoutMs, tls: this.#options.tls }).then(
      () => true,
      () => false,
    );
    // The child was restarted meanwhile: this answer is about the one before.
    if (managed.child?.pid !== pid || managed.ready?.url !== url) return;
    if (answered) {
      this.#unanswered.delete(managed);
      return;
    }
    const failures = (this.#unanswered.get(managed) ?? 0) + 1;
    this.#unanswered.set(managed, failures);
    if (failures >= this.#options.failuresToRecycle) {
      this.#unanswered.delete(managed);
      managed.recycle('unready', this.#options.drainMs);
    }
  }
}
