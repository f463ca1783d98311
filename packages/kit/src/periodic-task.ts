/**
 * Runs `pass` every `intervalMs` (and on demand), never two passes at once: a pass asked for while
 * one runs joins it. `stop()` waits for the pass in flight. For sweepers that keep work moving.
 */
export class PeriodicTask<T> {
  readonly #pass: () => Promise<T>;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<T> | undefined;

  constructor(pass: () => Promise<T>) {
    this.#pass = pass;
  }

  start(intervalMs: number): void {
    this.#timer = setInterval(() => void this.run(), intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }

  /** One pass now, or the one already running. */
  run(): Promise<T> {
    this.#running ??= this.#pass().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }
}
