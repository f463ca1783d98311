import type { ServiceLoad } from '@mercato/autoscaler';
import { type MetricsReading, readMetricsText, serviceLoad } from './instance-load.ts';
import type { SupervisorCalls } from './supervisor-calls.ts';

/** Reads each live instance's `/metrics` and turns two readings into a service's load per step. */
export class LoadReader {
  readonly #calls: SupervisorCalls;
  /** Per service, the last reading of each instance (by registry id). */
  readonly #last = new Map<string, Map<string, MetricsReading>>();

  constructor(calls: SupervisorCalls) {
    this.#calls = calls;
  }

  /**
   * The service's load now, or undefined when it cannot be read whole: the registry did not answer,
   * or an instance did not (an overloaded one is the one that matters). A partial sum would read as a
   * fall in load and drain instances exactly when they are needed; the caller skips the step instead.
   */
  async read(service: string, now = Date.now()): Promise<ServiceLoad | undefined> {
    const instances = await this.#calls.instances(service).catch(() => undefined);
    if (!instances || instances.length === 0) return undefined;
    const before = this.#last.get(service);
    const last = new Map<string, MetricsReading>();
    const readings = await Promise.all(
      instances.map(async (instance) => {
        const answer = await this.#calls.call(service, `${instance.url}/metrics`).catch(() => undefined);
        if (answer?.status !== 200) {
          // Its last reading stays, so its next answer still gives a rate.
          const kept = before?.get(instance.id);
          if (kept) last.set(instance.id, kept);
          return undefined;
        }
        const current = readMetricsText(answer.body, Date.now());
        const previous = before?.get(instance.id);
        last.set(instance.id, current);
        return { previous, current };
      }),
    );
    // Instances gone since are forgotten with the step.
    this.#last.set(service, last);
    const answered = readings.filter((r) => r !== undefined);
    return answered.length === instances.length ? serviceLoad(now, answered) : undefined;
  }
}
