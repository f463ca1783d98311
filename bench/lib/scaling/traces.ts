import { normal } from './noise.ts';

/** A load trace: offered requests per second at each step. */
export interface Trace {
  name: string;
  description: string;
  rps: Float64Array;
}

const MINUTE_STEPS = (stepMs: number) => 60_000 / stepMs;

/**
 * Readings carry 8 % multiplicative noise: the bursts of real traffic within 5 s, well above the
 * ~1.5 % a Poisson count of ~5,000 requests would have.
 */
const NOISE = 0.08;

function withNoise(shape: (i: number) => number, steps: number, seed: number): Float64Array {
  const draw = normal(seed);
  const rps = new Float64Array(steps);
  for (let i = 0; i < steps; i++) rps[i] = Math.max(0, shape(i) * (1 + NOISE * draw()));
  return rps;
}

/** Load in units of one instance's capacity, so the traces keep their shape whatever `--capacity` is. */
export function makeTraces(capacityRps: number, stepMs: number, seed: number): Trace[] {
  const m = MINUTE_STEPS(stepMs);
  const c = capacityRps;
  // Flash sale: 1.2 instances' load for 20 min, a 10-minute ramp to 8× as the sale opens, 20 min at the peak, 15 min back down, 15 min after.
  const flash = (i: number) => {
    const t = i / m;
    if (t < 20) return 1.2 * c;
    if (t < 30) return (1.2 + (8 - 1.2) * ((t - 20) / 10)) * c;
    if (t < 50) return 8 * c;
    if (t < 65) return (8 - (8 - 1.2) * ((t - 50) / 15)) * c;
    return 1.2 * c;
  };
  // A day in real time (5 s steps), three days so the season is learnt over two: trough 0.5 instance's load at 04:00, ~4.9 at 20:00 (an evening bump on a daytime curve), each day ±10 % of the others.
  const dayScale = [1, 1.08, 0.93];
  const daily = (i: number) => {
    const day = Math.floor(i / (1440 * m));
    const hour = ((i / m) % 1440) / 60;
    const base = 0.5 + 1.25 * (1 - Math.cos((2 * Math.PI * (hour - 4)) / 24));
    const evening = 2.5 * Math.exp(-(((hour - 20) / 2.5) ** 2));
    return c * (base + evening) * (dayScale[day] ?? 1);
  };
  // Sudden spike: 1.5 instances' load, then 6× within one step for 4 minutes (a link on a large site), then back.
  const spike = (i: number) => {
    const t = i / m;
    return (t >= 20 && t < 24 ? 6 : 1.5) * c;
  };
  return [
    {
      name: 'flash-sale',
      description: '1.2 → 8 instances of load over 10 min, 20 min peak, 15 min down',
      rps: withNoise(flash, 80 * m, seed),
    },
    {
      name: 'daily',
      description: '3 real-time days at 5 s, trough 04:00, peak 20:00, days ±10 %',
      rps: withNoise(daily, 3 * 1440 * m, seed + 1),
    },
    { name: 'spike', description: '1.5 → 6 instances of load in one step for 4 min', rps: withNoise(spike, 45 * m, seed + 2) },
  ];
}
