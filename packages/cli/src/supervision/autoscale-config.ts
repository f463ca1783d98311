import type { ScalingLimits } from '@mercato/autoscaler';
import { UserError } from '../user-error.ts';

/**
 * What one instance carries by default: the browse benchmark's ~700 req/s for the demo-store mix on
 * the whole platform on 2 cores (ADR 0013, ADR 0022), ~350 req/s per core, and one Node instance
 * runs its JavaScript on one core. `bench scaling` uses the same figure.
 */
export const DEFAULT_CAPACITY_RPS = 350;
/** Three instances of one service already take more than this 2-core machine's cores between them. */
export const DEFAULT_MAX = 3;

/**
 * Each service's bounds under `--autoscale`: min is its `--scale` count (1 without it), max
 * DEFAULT_MAX, capacity DEFAULT_CAPACITY_RPS, unless `MERCATO_AUTOSCALE_LIMITS` says otherwise for a
 * service: `catalog=1-4@300,orders=2-3` (min-max, and @ requests per second one instance carries).
 */
export function autoscaleLimits(
  services: readonly string[],
  scale: Record<string, number>,
  setting: string | undefined,
): Map<string, ScalingLimits> {
  const limits = new Map(
    services.map((name) => [
      name,
      { min: scale[name] ?? 1, max: Math.max(DEFAULT_MAX, scale[name] ?? 1), capacityRps: DEFAULT_CAPACITY_RPS },
    ]),
  );
  for (const entry of (setting ?? '').split(',').filter((e) => e.trim() !== '')) {
    const match = /^\s*([a-z-]+)=(\d{1,2})-(\d{1,2})(?:@(\d{1,6}))?\s*$/.exec(entry);
    const name = match?.[1];
    if (!match || !name || !limits.has(name))
      throw new UserError(
        `MERCATO_AUTOSCALE_LIMITS takes service=min-max[@rps] entries for business services, e.g. catalog=1-4@300 (got ${JSON.stringify(entry)}).`,
      );
    const [min, max] = [Number(match[2]), Number(match[3])];
    if (min < 1 || max < min) throw new UserError(`MERCATO_AUTOSCALE_LIMITS: ${name} needs 1 ≤ min ≤ max (got ${min}-${max}).`);
    const capacityRps = match[4] ? Number(match[4]) : DEFAULT_CAPACITY_RPS;
    if (capacityRps < 1) throw new UserError(`MERCATO_AUTOSCALE_LIMITS: ${name}'s requests per instance must be at least 1.`);
    limits.set(name, { min, max, capacityRps });
  }
  return limits;
}
