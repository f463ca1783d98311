import type { ServiceScaling } from '@mercato/contracts';
import { type Discovery, type HttpApp, SERVICE_NAMES } from '@mercato/kit';
import { Type } from 'typebox';
import type { ControlClient } from '../control-client.ts';

/** What `GET /api/ops/scaling` answers: API.md's shape plus whether an autoscaler decides. */
export interface ScalingAnswer {
  services: ServiceScaling[];
  autoscaling: boolean;
}

/**
 * `GET /api/ops/scaling` (API.md "Health and operations"), admin only: each service's instances,
 * the count the autoscaler wants, its bounds, its load forecast and why. The control loop
 * (MERCATO_CONTROL_URL) decides and the gateway shows its answer; without one, or when it does not
 * answer in time, each service as discovery sees it, nothing decided — still 200, because an
 * operator looking at the console should see the platform, not an error about the autoscaler.
 */
export function opsScalingRoutes(app: HttpApp, discovery: Discovery, control: ControlClient | undefined): void {
  app.get(
    '/api/ops/scaling',
    { config: { access: 'admin' }, schema: { querystring: Type.Object({}, { additionalProperties: false }) } },
    async (): Promise<ScalingAnswer> => {
      const state = control ? await control.scaling() : undefined;
      if (state) {
        return {
          // Only the contract's fields, in API.md's order, whatever else the control loop sends.
          services: state.services.map(({ name, instances, desired, min, max, forecast, reason, decidedAt }) => ({
            name,
            instances,
            desired,
            min,
            max,
            forecast: forecast.map(({ at, value }) => ({ at, value })),
            reason,
            decidedAt,
          })),
          autoscaling: state.autoscaling,
        };
      }
      const decidedAt = new Date().toISOString();
      const reason = control ? 'control loop unreachable' : 'autoscaling off';
      return {
        services: SERVICE_NAMES.map((name) => {
          const instances = discovery.instances(name).length;
          return { name, instances, desired: instances, min: instances, max: instances, forecast: [], reason, decidedAt };
        }),
        autoscaling: false,
      };
    },
  );
}
