import type { ScalingLimits } from '@mercato/autoscaler';
import type { ControlEvents } from '@mercato/autoscaler/control';
import type { ManagedProcess } from '../managed-process.ts';
import { AutoscaleLoop } from './autoscale-loop.ts';
import { LoadReader } from './load-reader.ts';
import type { SupervisorCalls } from './supervisor-calls.ts';

const FAILED_START_REST_MS = 60_000;

/** `catalog` → 0, `catalog#3` → 2. */
function indexOf(processName: string): number {
  const [, n] = processName.split('#');
  return n ? Number(n) - 1 : 0;
}

/**
 * Wires the autoscale loop to the supervisor: loads from the instances' metrics, the count of a
 * service's instances the supervisor runs (starting or ready; a drained one leaves the list), new
 * instances at the lowest free index, and the newest drained first (deregistered, SIGTERM so it
 * finishes what it holds). Imported only with `--autoscale` (ADR 0021: the supervisor stays small).
 */
export function startAutoscaling(options: {
  limits: Map<string, ScalingLimits>;
  events: ControlEvents;
  calls: SupervisorCalls;
  processes: ManagedProcess[];
  startInstance: (service: string, index: number) => ManagedProcess;
  /** Deregisters and stops an instance in the background (the next step does not wait for its drain). */
  drainInstance: (managed: ManagedProcess) => void;
}): AutoscaleLoop {
  const { processes } = options;
  // A crash-looped instance is down for good: it neither counts nor takes a slot (its service gets a new one).
  const of = (service: string) => processes.filter((p) => p.name.split('#')[0] === service && !p.crashLooping);
  const forget = (managed: ManagedProcess) => {
    const at = processes.indexOf(managed);
    if (at >= 0) processes.splice(at, 1);
  };
  const reader = new LoadReader(options.calls);
  /** When an instance the autoscaler started last failed to start, per service: no new one for a minute after. */
  const failedStartAt = new Map<string, number>();
  const loop = new AutoscaleLoop({
    services: [...options.limits].map(([name, limits]) => ({ name, limits })),
    events: options.events,
    readLoad: (service) => reader.read(service),
    running: (service) => of(service).length,
    scaleTo: async (service, count) => {
      const current = of(service);
      // A start that failed (a bad port, a database refusing connections) is not tried again every 5 s.
      const resting = Date.now() - (failedStartAt.get(service) ?? Number.NEGATIVE_INFINITY) < FAILED_START_REST_MS;
      if (count > current.length && resting) return false;
      for (let n = current.length; n < count; n++) {
        const used = new Set(of(service).map((p) => indexOf(p.name)));
        let index = 0;
        while (used.has(index)) index++;
        const managed = options.startInstance(service, index);
        // One that cannot start leaves the list: the next step may try again.
        managed.whenReady().catch(() => {
          forget(managed);
          if (!managed.crashLooping) failedStartAt.set(service, Date.now());
        });
      }
      const newestFirst = current.sort((a, b) => indexOf(b.name) - indexOf(a.name));
      const drained = newestFirst.slice(0, Math.max(0, current.length - count));
      for (const managed of drained) {
        forget(managed);
        options.drainInstance(managed);
      }
      return true;
    },
  });
  loop.start();
  return loop;
}
