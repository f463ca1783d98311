import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ReactiveScaler } from '../src/domain/reactive-scaler.ts';

const STEP = 5_000;
const limits = { min: 1, max: 20, capacityRps: 250 };

test('the HPA rule asks for ceil(rps / (capacity × target)) instances', () => {
  const scaler = new ReactiveScaler(limits);
  scaler.observe({ at: 0, rps: 1000, instances: 2 });
  // 1,000 / (250 × 0.8) = 5, within the up policy's max(2 × 2, 2 + 4) = 6
  assert.equal(scaler.decide(2, 0).desired, 5);
});

test('a load within 10 % of the target changes nothing', () => {
  const scaler = new ReactiveScaler(limits);
  scaler.observe({ at: 0, rps: 3 * 200 * 1.09, instances: 3 });
  assert.equal(scaler.decide(3, 0).desired, 3);
});

test('the HPA holds the highest count of the last 5 minutes before scaling down', () => {
  const scaler = new ReactiveScaler(limits);
  scaler.observe({ at: 0, rps: 2000, instances: 10 });
  assert.equal(scaler.decide(10, 0).desired, 10);
  const counts: number[] = [];
  for (let i = 1; i <= 70; i++) {
    scaler.observe({ at: i * STEP, rps: 400, instances: 10 });
    counts.push(scaler.decide(10, i * STEP).desired);
  }
  assert.ok(counts.slice(0, 59).every((c) => c === 10));
  assert.equal(counts.at(-1), 2);
});

test('the HPA reads the mean over its metric window and decides once per sync', () => {
  const scaler = new ReactiveScaler(limits, { metricWindowMs: 30_000, syncMs: 15_000 });
  for (let i = 0; i < 6; i++) scaler.observe({ at: i * STEP, rps: 200, instances: 1 });
  assert.equal(scaler.decide(1, 5 * STEP).desired, 1);
  scaler.observe({ at: 6 * STEP, rps: 2000, instances: 1 });
  // not yet a sync: the last decision stands
  assert.equal(scaler.decide(1, 6 * STEP).desired, 1);
  scaler.observe({ at: 7 * STEP, rps: 2000, instances: 1 });
  scaler.observe({ at: 8 * STEP, rps: 2000, instances: 1 });
  // the window's mean is (3 × 200 + 3 × 2000) / 6 = 1,100 req/s → 6, limited by the up policy to max(2 × 1, 1 + 4) = 5
  assert.equal(scaler.decide(1, 8 * STEP).desired, 5);
});

test('the reactive rule keeps desired within [min, max]', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 0, max: 10 }),
      fc.array(fc.double({ min: 0, max: 50_000, noNaN: true }), { minLength: 1, maxLength: 50 }),
      (min, extra, series) => {
        const scaler = new ReactiveScaler({ min, max: min + extra, capacityRps: 300 });
        let current = min;
        return series.every((rps, i) => {
          scaler.observe({ at: i * STEP, rps, instances: current });
          current = scaler.decide(current, i * STEP).desired;
          return current >= min && current <= min + extra;
        });
      },
    ),
  );
});
