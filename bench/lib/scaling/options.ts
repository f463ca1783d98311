import { parseArgs } from 'node:util';
import { positiveInteger } from '../measure-targets.ts';

export const PARTS = ['traces', 'detector', 'live'] as const;
export type Part = (typeof PARTS)[number];

export const USAGE =
  '[--parts traces,detector,live (default traces)] [--live-capacity 40] [--live-peak 120] [--live-ramp 120] [--live-hold 30] [--capacity <req/s per instance>] [--min 2] [--max 12] [--start-delay 10] [--slo 300] [--idle-p99 30] [--hpa-window 30] [--hpa-sync 15] [--lead 60] [--target 0.8] [--seed 1] [--runs 20]';

export interface ScalingBenchOptions {
  parts: Set<Part>;
  capacityRps: number | undefined;
  min: number;
  max: number;
  startDelayMs: number;
  sloP99Ms: number;
  idleP99Ms: number;
  hpaWindowMs: number;
  hpaSyncMs: number;
  leadMs: number;
  target: number;
  seed: number;
  runs: number;
  live: { capacityRps: number; peakRps: number; rampSeconds: number; holdSeconds: number };
}

function positive(option: string, value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new RangeError(`--${option} must be a number above 0 (got ${JSON.stringify(value)})`);
  return n;
}

export function parseScalingOptions(args: string[]): ScalingBenchOptions {
  const { values } = parseArgs({
    args,
    options: {
      parts: { type: 'string', default: 'traces' },
      capacity: { type: 'string' },
      min: { type: 'string', default: '2' },
      max: { type: 'string', default: '12' },
      'start-delay': { type: 'string', default: '10' },
      slo: { type: 'string', default: '300' },
      'idle-p99': { type: 'string', default: '30' },
      'hpa-window': { type: 'string', default: '30' },
      'hpa-sync': { type: 'string', default: '15' },
      lead: { type: 'string', default: '60' },
      target: { type: 'string', default: '0.8' },
      seed: { type: 'string', default: '1' },
      runs: { type: 'string', default: '20' },
      'live-capacity': { type: 'string', default: '40' },
      'live-peak': { type: 'string', default: '120' },
      'live-ramp': { type: 'string', default: '120' },
      'live-hold': { type: 'string', default: '30' },
    },
  });
  const parts = new Set<Part>();
  for (const p of values.parts.split(',')) {
    if (!(PARTS as readonly string[]).includes(p)) throw new RangeError(`--parts takes ${PARTS.join(', ')} (got ${JSON.stringify(p)})`);
    parts.add(p as Part);
  }
  const min = positiveInteger('min', values.min);
  const max = positiveInteger('max', values.max);
  if (max < min) throw new RangeError(`--max must be at least --min (got ${max} < ${min})`);
  const sloP99Ms = positive('slo', values.slo);
  const idleP99Ms = positive('idle-p99', values['idle-p99']);
  if (idleP99Ms >= sloP99Ms) throw new RangeError(`--idle-p99 must be below --slo (got ${idleP99Ms} ≥ ${sloP99Ms})`);
  const target = positive('target', values.target);
  if (target > 1) throw new RangeError(`--target must be at most 1 (got ${target})`);
  return {
    parts,
    capacityRps: values.capacity === undefined ? undefined : positive('capacity', values.capacity),
    min,
    max,
    startDelayMs: 1000 * positive('start-delay', values['start-delay']),
    sloP99Ms,
    idleP99Ms,
    hpaWindowMs: 1000 * positive('hpa-window', values['hpa-window']),
    hpaSyncMs: 1000 * positive('hpa-sync', values['hpa-sync']),
    leadMs: 1000 * positive('lead', values.lead),
    target,
    seed: positiveInteger('seed', values.seed),
    runs: positiveInteger('runs', values.runs),
    live: {
      capacityRps: positive('live-capacity', values['live-capacity']),
      peakRps: positive('live-peak', values['live-peak']),
      rampSeconds: positive('live-ramp', values['live-ramp']),
      holdSeconds: positive('live-hold', values['live-hold']),
    },
  };
}
