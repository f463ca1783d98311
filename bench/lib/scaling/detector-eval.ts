import { EwmaDetector, type EwmaDetectorOptions } from '../../../packages/autoscaler/src/domain/anomaly-detector.ts';
import { Random } from '../recs/random.ts';
import { normal } from './noise.ts';

/** A series kind: a noisy baseline and a fault that starts at a given reading. */
interface SeriesKind {
  name: string;
  fault: string;
  baseline: (i: number) => number;
  /** The value with the fault `k` readings after it started. */
  withFault: (value: number, k: number) => number;
}

/** A day of 5 s readings. */
const READINGS_PER_DAY = 17_280;

function kinds(seed: number): SeriesKind[] {
  const draw = normal(seed);
  const random = new Random(seed);
  // p99 latency: 40 ms ± 10 % (log-normal), a lone 3× spike one reading in 500 (a GC pause, a slow query).
  const latency = () => 40 * Math.exp(0.1 * draw()) * (random.chance(0.002) ? 3 : 1);
  // The same on a daily load curve, ±30 % from a seeded time of day: the slowest change a slow baseline must not take for a leak.
  // (drawn apart, so the other kinds' series stay those measured before this one was added)
  const phase = new Random(seed + 1).int(READINGS_PER_DAY);
  const daily = (i: number) => (1 + 0.3 * Math.sin((2 * Math.PI * (i + phase)) / READINGS_PER_DAY)) * latency();
  // 12 readings a minute at 5 s
  const leak = (v: number, k: number) => v + 40 * 0.02 * (k / 12);
  return [
    { name: 'p99 latency', fault: 'step to 2× (a bad deploy)', baseline: latency, withFault: (v) => 2 * v },
    {
      name: 'errors per 5 s',
      fault: 'burst from 2 to 12 per reading',
      baseline: () => random.poisson(2),
      withFault: () => random.poisson(12),
    },
    { name: 'p99 latency', fault: 'slow leak: +2 % of the baseline a minute', baseline: latency, withFault: leak },
    { name: 'p99 latency, daily curve', fault: 'slow leak: +2 % of the baseline a minute', baseline: daily, withFault: leak },
    {
      name: 'consumer lag s',
      fault: 'consumers stall: lag grows 5 s per reading',
      baseline: () => 0.5 * Math.exp(0.3 * draw()),
      withFault: (v, k) => v + 5 * k,
    },
  ];
}

export interface DetectorRow {
  series: string;
  fault: string;
  runs: number;
  detected: number;
  'delay p50 readings': number | string;
  'delay max readings': number | string;
  'delay p50 s': number | string;
  'false alarms / h (fault-free)': number;
}

/**
 * Each kind: `runs` series of 2 h with the fault from a seeded random reading in the second hour to
 * the end, the delay counted from its first reading; then `runs` fault-free series of 24 h for the
 * false alarms. Detector defaults throughout unless `options` say otherwise, one detector per
 * series, 5 s readings.
 */
export function evaluateDetector(seed: number, runs: number, stepMs: number, options?: EwmaDetectorOptions): DetectorRow[] {
  const perHour = 3_600_000 / stepMs;
  const rows: DetectorRow[] = [];
  const count = kinds(seed).length;
  for (let kind = 0; kind < count; kind++) {
    const delays: number[] = [];
    let falseAlarms = 0;
    let name = '';
    let fault = '';
    for (let run = 0; run < runs; run++) {
      const k = kinds(seed * 1000 + run)[kind] as SeriesKind;
      name = k.name;
      fault = k.fault;
      const start = perHour + new Random(seed + run).int(perHour / 2);
      const detector = new EwmaDetector(options);
      for (let i = 0; i < 2 * perHour; i++) {
        const base = k.baseline(i);
        const anomaly = detector.observe(i * stepMs, i >= start ? k.withFault(base, i - start) : base);
        if (anomaly && i >= start) {
          delays.push(i - start + 1);
          break;
        }
        if (anomaly) falseAlarms += 1;
      }
      const quiet = new EwmaDetector(options);
      for (let i = 0; i < 24 * perHour; i++) if (quiet.observe(i * stepMs, k.baseline(i))) falseAlarms += 1;
    }
    delays.sort((a, b) => a - b);
    const p50 = delays[Math.floor((delays.length - 1) / 2)];
    rows.push({
      series: name,
      fault,
      runs,
      detected: delays.length,
      'delay p50 readings': p50 ?? '—',
      'delay max readings': delays.at(-1) ?? '—',
      'delay p50 s': p50 === undefined ? '—' : (p50 * stepMs) / 1000,
      // fault-free hours: 24 per run, and the hour before each fault
      'false alarms / h (fault-free)': Number((falseAlarms / (runs * 25)).toFixed(3)),
    });
  }
  return rows;
}
