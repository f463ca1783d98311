import { parseArgs } from 'node:util';
import type { ItemModelOptions } from '../../../services/recommendations/src/domain/item-model.ts';
import { positiveInteger } from '../measure-targets.ts';
import type { PopulationShape } from './population.ts';
import type { SessionShape } from './sessions.ts';

const DAY_MS = 86_400_000;
export const PARTS = ['eval', 'ingest', 'latency', 'http'] as const;
export type Part = (typeof PARTS)[number];

export const USAGE =
  '[--products 2000] [--categories 20] [--users 20000] [--events 1000000] [--days 60] [--holdout-days 7] [--noise 0.3] [--seed 1] [--calls 20000] [--parts eval,ingest,latency,http] [--http-seconds 10] [--burst 10000] [--sweep] [--half-life 30] [--history 20] [--neighbours 100] [--shrinkage 3]';

export interface RecsOptions {
  population: PopulationShape;
  sessions: SessionShape;
  holdoutDays: number;
  /** Epoch ms between the days the model learns and the days held out; now, see below. */
  cutoff: number;
  calls: number;
  /** The `http` part: seconds per load, and product page views in the burst. */
  http: { seconds: number; connections: number; burst: number };
  parts: Set<Part>;
  sweep: boolean;
  /** For the model under test; unset ones keep ItemModel's (the service's) defaults. */
  model: ItemModelOptions;
}

function fraction(option: string, value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new RangeError(`--${option} must be between 0 and 1 (got ${JSON.stringify(value)})`);
  return n;
}

function nonNegative(option: string, value: string): number {
  const n = Number(value);
  if (!(n >= 0)) throw new RangeError(`--${option} must be a number of 0 or more (got ${JSON.stringify(value)})`);
  return n;
}

export function parseRecsOptions(args: string[]): RecsOptions {
  const { values } = parseArgs({
    args,
    options: {
      products: { type: 'string', default: '2000' },
      categories: { type: 'string', default: '20' },
      users: { type: 'string', default: '20000' },
      events: { type: 'string', default: '1000000' },
      days: { type: 'string', default: '60' },
      'holdout-days': { type: 'string', default: '7' },
      noise: { type: 'string', default: '0.3' },
      seed: { type: 'string', default: '1' },
      calls: { type: 'string', default: '20000' },
      'http-seconds': { type: 'string', default: '10' },
      burst: { type: 'string', default: '10000' },
      parts: { type: 'string', default: PARTS.join(',') },
      sweep: { type: 'boolean', default: false },
      'half-life': { type: 'string' },
      history: { type: 'string' },
      neighbours: { type: 'string' },
      shrinkage: { type: 'string' },
    },
  });
  const products = positiveInteger('products', values.products);
  const days = positiveInteger('days', values.days);
  const holdoutDays = positiveInteger('holdout-days', values['holdout-days']);
  if (holdoutDays >= days) throw new RangeError(`--holdout-days must be below --days (${days})`);
  const parts = new Set<Part>();
  for (const part of values.parts.split(',').map((p) => p.trim())) {
    if (!PARTS.includes(part as Part)) throw new RangeError(`--parts takes ${PARTS.join(', ')} (got ${part})`);
    parts.add(part as Part);
  }
  const seed = positiveInteger('seed', values.seed);
  // The cutoff is now because recommend.ts answers at Date.now(): the model is asked at the cutoff.
  const cutoff = Date.now();
  return {
    population: {
      products,
      categories: positiveInteger('categories', values.categories),
      users: positiveInteger('users', values.users),
      // A group prefers 60 products and there is one per 50 products: together they cover the catalog
      // about once, overlapping, as tastes in a real shop do.
      groups: Math.max(4, Math.round(products / 50)),
      groupSize: 60,
      groupCategories: 3,
      popularitySkew: 1,
      seed,
    },
    sessions: {
      events: positiveInteger('events', values.events),
      days,
      start: cutoff - (days - holdoutDays) * DAY_MS,
      noise: fraction('noise', values.noise),
    },
    holdoutDays,
    cutoff,
    calls: positiveInteger('calls', values.calls),
    http: {
      seconds: positiveInteger('http-seconds', values['http-seconds']),
      connections: 8,
      burst: positiveInteger('burst', values.burst),
    },
    parts,
    sweep: values.sweep,
    model: {
      ...(values['half-life'] ? { halfLifeDays: nonNegative('half-life', values['half-life']) } : {}),
      ...(values.history ? { historySize: positiveInteger('history', values.history) } : {}),
      ...(values.neighbours ? { maxNeighbours: positiveInteger('neighbours', values.neighbours) } : {}),
      ...(values.shrinkage ? { shrinkage: nonNegative('shrinkage', values.shrinkage) } : {}),
    },
  };
}
