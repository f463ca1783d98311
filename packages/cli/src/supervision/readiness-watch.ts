import type { ManagedProcess } from '../managed-process.ts';
import { type SmallTls, smallRequest } from '../small-http.ts';

export interface ReadinessWatchOptions {
  /** How often each ready child is asked. */
  intervalMs?: number;
  /** A child that has answered nothing for this long is recycled; each question waits this long for its answer. */
  silentMs?: number;
  /** How long a recycled instance may drain before SIGKILL. */
  drainMs?: number;
  tls?: SmallTls | undefined;
}

/**
 * Every 2 s each ready child's `/health/ready` is asked; a child that has answered nothing for 10 s
 * (a hung or livelocked process, a lost listener) is recycled. A late answer counts: an overloaded
 * child whose event loop still turns answers seconds late, and recycling it would hand its load to
 * the others and its restarts to the crash-loop count — under sustained overload, a cascade. So a
 * question is not abandoned after 2 s but left open up to the 10 s, a few at a time. A 503 is an
 * answer too: a service that says its database or a peer is down would not be mended by a restart,
 * and restarting every service at once during a database outage would only add a storm to it. The
 * faults suite pauses a service for 5 s (SIGSTOP); that stays below the bound and is left to resume.
 * Silence is counted only while the watch was itself looking: after a gap in its own rounds (the
 * supervisor paused, the laptop asleep), every child starts a fresh 10 s, so nobody is recycled for
 * the supervisor's absence. Times are monotonic (performance.now), immune to the wall clock's steps.
 */
const DEFAULTS = { intervalMs: 2_000, silentMs: 10_000, drainMs: 5_000 };

interface Watched {
  pid: number | undefined;
  url: string;
  lastAnswerAt: number;
  openQuestions: number;
}

export class ReadinessWatch {
  readonly #options: typeof DEFAULTS & { tls?: SmallTls | undefined };
  readonly #processes: () => readonly ManagedProcess[];
  readonly #watched = new Map<ManagedProcess, Watched>();
  /** Questions left open at once per child: enough to ask every interval through a whole silence. */
  readonly #maxOpen: number;
  #timer: NodeJS.Timeout | undefined;
  #lastRoundAt: number | undefined;

  constructor(processes: () => readonly ManagedProcess[], options: ReadinessWatchOptions = {}) {
    this.#processes = processes;
    this.#options = { ...DEFAULTS, ...options };
    this.#maxOpen = Math.max(1, Math.ceil(this.#options.silentMs / this.#options.intervalMs));
  }

  start(): void {
    this.#timer = setInterval(() => this.#round(), this.#options.intervalMs);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #round(): void {
    const now = performance.now();
    // Rounds missed (the supervisor was not running): what was not heard in the meantime proves nothing.
    const resumed = this.#lastRoundAt !== undefined && now - this.#lastRoundAt > 2 * this.#options.intervalMs;
    this.#lastRoundAt = now;
    if (resumed) for (const watched of this.#watched.values()) watched.lastAnswerAt = now;
    const processes = this.#processes();
    // A drained or forgotten process is no longer watched.
    for (const managed of this.#watched.keys()) if (!processes.includes(managed)) this.#watched.delete(managed);
    for (const managed of processes) {
      const url = managed.ready?.url;
      if (!url || managed.stopping || managed.recycling) {
        this.#watched.delete(managed);
        continue;
      }
      const pid = managed.child?.pid;
      let watched = this.#watched.get(managed);
      // A child restarted since the last round is watched afresh.
      if (!watched || watched.pid !== pid || watched.url !== url) {
        watched = { pid, url, lastAnswerAt: now, openQuestions: 0 };
        this.#watched.set(managed, watched);
      }
      if (now - watched.lastAnswerAt >= this.#options.silentMs) {
        this.#watched.delete(managed);
        managed.recycle('unready', this.#options.drainMs);
        continue;
      }
      if (watched.openQuestions < this.#maxOpen) this.#ask(watched);
    }
  }

  #ask(watched: Watched): void {
    watched.openQuestions += 1;
    smallRequest(`${watched.url}/health/ready`, { timeoutMs: this.#options.silentMs, tls: this.#options.tls })
      .then(
        () => {
          watched.lastAnswerAt = performance.now();
        },
        () => {},
      )
      .finally(() => {
        watched.openQuestions -= 1;
      });
  }
}
