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

  /** The service's load now; an instance that does not answer is left out of this step. */
  async read(service: string, now = Date.now()): Promise<ServiceLoad> {
    const instances = await this.#calls.instances(service).catch(() => []);
    const last = new Map<string, MetricsReading>();
    const readings = await Promise.all(
      instances.map(async (instance) => {
        const answer = await this.#calls.call(service, `${instance.url}/metrics`).catch(() => undefined);
        if (answer?.status !== 200) return undefined;
        const current = readMetricsText(answer.body, Date.now());
        const previous = this.#last.get(service)?.get(instance.id);
        last.set(instance.id, current);
        return { previous, current };
      }),
    );
    // Instances gone since are forgotten with the step.
    this.#last.set(service, last);
    return serviceLoad(
      now,
      readings.filter((r) => r !== undefined),
    );
  }
}
