import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { ScalingDecision } from '../src/api.ts';
import { PredictiveScaler } from '../src/domain/predictive-scaler.ts';
import { normalNoise } from './noise.ts';

const STEP = 5_000;
const limits = { min: 1, max: 10, capacityRps: 250 }; // 200 req/s per instance at the 0.8 target

/** Feeds rps readings one step apart, applying each decision at once; returns the decisions. */
function run(scaler: PredictiveScaler, series: number[], start = 1): ScalingDecision[] {
  let current = start;
  const decisions: ScalingDecision[] = [];
  series.forEach((rps, i) => {
    const at = i * STEP;
    scaler.observe({ at, rps, instances: current });
    const decision = scaler.decide(current, at);
    decisions.push(decision);
    current = decision.desired;
  });
  return decisions;
}

test('a ramp toward a peak scales up before the peak arrives', () => {
  // 200 → 1,800 req/s over 10 minutes (120 steps), then flat.
  const series = Array.from({ length: 200 }, (_, i) => (i < 40 ? 200 : Math.min(1800, 200 + (1600 * (i - 40)) / 120)));
  const decisions = run(new PredictiveScaler(limits), series);
  const peakStep = 160;
  const firstNine = decisions.findIndex((d) => d.desired >= 9);
  assert.ok(firstNine > 0 && firstNine < peakStep - 6, `9 instances asked for at step ${firstNine}, the peak is at ${peakStep}`);
  // and at every step the count asked for covers the load of the step after (instances start within a step here)
  for (let i = 41; i < series.length - 1; i++)
    assert.ok((decisions[i] as ScalingDecision).desired * 250 >= (series[i + 1] as number), `step ${i}`);
});

test('a flat noisy series never changes the instance count (no flapping)', () => {
  const noise = normalNoise(3);
  // 500 req/s ± 8 % needs 3 × 200; one hour of readings.
  const series = Array.from({ length: 720 }, () => 500 * (1 + 0.08 * noise()));
  const decisions = run(new PredictiveScaler(limits), series, 3);
  const counts = new Set(decisions.map((d) => d.desired));
  assert.deepEqual([...counts], [3]);
});

test('a spike beyond max is capped at max and flagged capped', () => {
  const series = [...Array(20).fill(300), ...Array(10).fill(5000)];
  const last = run(new PredictiveScaler(limits), series).at(-1) as ScalingDecision;
  assert.equal(last.desired, 10);
  assert.ok(last.needed >= 25, `needed ${last.needed}`);
  assert.equal(last.capped, true);
});

test('scale-down waits for the stabilisation window, then removes one instance per step', () => {
  const scaler = new PredictiveScaler(limits, { scaleDownStabilisationMs: 300_000 });
  const busy = run(scaler, Array(60).fill(1500));
  assert.equal(busy.at(-1)?.desired, 8);
  let current = 8;
  const counts: number[] = [];
  for (let i = 60; i < 60 + 100; i++) {
    scaler.observe({ at: i * STEP, rps: 300, instances: current });
    const d = scaler.decide(current, i * STEP);
    if (d.desired < current) assert.equal(d.desired, current - 1);
    current = d.desired;
    counts.push(current);
  }
  // the load fell at step 60: nothing is removed for 5 minutes (60 steps)
  assert.ok(
    counts.slice(0, 59).every((c) => c === 8),
    counts.join(','),
  );
  assert.equal(counts.at(-1), 2);
});

test('the reason says why it holds before scaling down', () => {
  const scaler = new PredictiveScaler(limits);
  run(scaler, Array(30).fill(1500));
  scaler.observe({ at: 30 * STEP, rps: 100, instances: 8 });
  for (let i = 0; i < 10; i++) scaler.observe({ at: (31 + i) * STEP, rps: 100, instances: 8 });
  const d = scaler.decide(8, 40 * STEP);
  assert.equal(d.desired, 8);
  assert.match(d.reason, /holding 8 for \d+ min( \d+ s)? before scaling down/);
});

test('an event-loop delay over its limit adds one instance and says so', () => {
  const scaler = new PredictiveScaler(limits);
  run(scaler, Array(20).fill(300), 2);
  scaler.observe({ at: 20 * STEP, rps: 300, instances: 2, eventLoopDelayP99Ms: 450 });
  const d = scaler.decide(2, 20 * STEP);
  assert.equal(d.desired, 3);
  assert.match(d.reason, /event-loop delay p99 450 ms/);
});

test('consumer lag and CPU per instance are saturation signals too', () => {
  const lag = new PredictiveScaler(limits);
  lag.observe({ at: 0, rps: 10, instances: 1, consumerLagSeconds: 120 });
  assert.match(lag.decide(1, 0).reason, /consumer lag 120 s/);
  const cpu = new PredictiveScaler(limits);
  cpu.observe({ at: 0, rps: 10, instances: 2, cpuCores: 1.9 });
  const d = cpu.decide(2, 0);
  assert.equal(d.desired, 3);
  assert.match(d.reason, /CPU 0.95 cores per instance/);
});

test('the forecast has one point per step up to the horizon, at epoch ms', () => {
  const scaler = new PredictiveScaler(limits, { horizonMs: 60_000 });
  scaler.observe({ at: 1_000_000, rps: 100, instances: 1 });
  const d = scaler.decide(1, 1_000_000);
  assert.equal(d.forecast.length, 12);
  assert.deepEqual(
    d.forecast.map((f) => f.at),
    Array.from({ length: 12 }, (_, k) => 1_000_000 + (k + 1) * STEP),
  );
});

test('desired is always within [min, max] and the forecast never negative', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 5 }),
      fc.integer({ min: 0, max: 20 }),
      fc.array(
        fc.record({ rps: fc.double({ min: 0, max: 20_000, noNaN: true }), lag: fc.option(fc.double({ min: 0, max: 600, noNaN: true })) }),
        {
          minLength: 1,
          maxLength: 60,
        },
      ),
      (min, extra, readings) => {
        const bounds = { min, max: min + extra, capacityRps: 300 };
        const scaler = new PredictiveScaler(bounds, { horizonMs: 30_000 });
        let current = min;
        return readings.every((r, i) => {
          scaler.observe({ at: i * STEP, rps: r.rps, instances: current, consumerLagSeconds: r.lag ?? undefined });
          const d = scaler.decide(current, i * STEP);
          current = d.desired;
          return (
            d.desired >= bounds.min &&
            d.desired <= bounds.max &&
            d.capped === d.needed > bounds.max &&
            d.forecast.every((f) => f.value >= 0)
          );
        });
      },
    ),
  );
});
