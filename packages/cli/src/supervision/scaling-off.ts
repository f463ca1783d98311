import type { ScalingStateResponse } from '@mercato/contracts';
import type { ManagedProcess } from '../managed-process.ts';
import { BUSINESS_SERVICES } from '../topology.ts';

/** The scaling state without `--autoscale` (API.md): each service's running instances, as they are. */
export function scalingOff(processes: readonly ManagedProcess[]): ScalingStateResponse {
  const decidedAt = new Date().toISOString();
  return {
    autoscaling: false,
    services: BUSINESS_SERVICES.map(({ name }) => {
      const instances = runningInstances(processes, name);
      return { name, instances, desired: instances, min: instances, max: instances, forecast: [], reason: 'autoscaling off', decidedAt };
    }),
  };
}

/** Instances of `service` that are up and listening. */
export function runningInstances(processes: readonly ManagedProcess[], service: string): number {
  return processes.filter((p) => p.name.split('#')[0] === service && p.ready !== undefined).length;
}
