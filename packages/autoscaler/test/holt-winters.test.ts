import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { HoltWinters } from '../src/domain/holt-winters.ts';
import { normalNoise } from './noise.ts';

test('Holt-Winters follows a linear ramp and projects it ahead', () => {
  const model = new HoltWinters({ phi: 1 });
  for (let i = 0; i < 200; i++) model.observe(100 + 5 * i);
  const [next, , , , fifth] = model.forecast(5);
  assert.ok(Math.abs((next as number) - (100 + 5 * 200)) < 5, `one step ahead ${next}`);
  assert.ok(Math.abs((fifth as number) - (100 + 5 * 204)) < 5, `five steps ahead ${fifth}`);
});

test('a damped trend flattens out instead of projecting the slope for ever', () => {
  const model = new HoltWinters({ phi: 0.9 });
  for (let i = 0; i < 200; i++) model.observe(100 + 5 * i);
  const far = model.forecast(200);
  // Σφ^k for φ = 0.9 is at most 9: the slope adds at most ~9 steps' worth however far ahead.
  assert.ok((far[199] as number) < 100 + 5 * 200 + 5 * 10);
});

test('Holt-Winters learns a daily season after two seasons', () => {
  const season = 288;
  const noise = normalNoise(7);
  const daily = (i: number) => 1000 + 600 * Math.sin((2 * Math.PI * i) / season);
  const seasonal = new HoltWinters({ seasonSteps: season });
  const plain = new HoltWinters();
  // Three days and 60 readings: the last one is just before the daily peak (72 readings, a quarter of a day, in).
  const end = 3 * season + 60;
  for (let i = 0; i < end; i++) {
    const y = daily(i) + 30 * noise();
    seasonal.observe(y);
    plain.observe(y);
  }
  assert.equal(seasonal.seasonal, true);
  // Over the next eighth of a day the curve turns over the peak; a trend alone carries on upward.
  const worst = (model: HoltWinters) => Math.max(...model.forecast(season / 8).map((v, k) => Math.abs(v - daily(end + k))));
  assert.ok(worst(seasonal) < 60, `season: worst error ${worst(seasonal).toFixed(0)} req/s on a 600 req/s swing`);
  assert.ok(worst(plain) > 3 * worst(seasonal), `no season: worst error ${worst(plain).toFixed(0)} req/s`);
});

test('before two seasons are seen the season is not used', () => {
  const model = new HoltWinters({ seasonSteps: 100 });
  for (let i = 0; i < 199; i++) model.observe(50);
  assert.equal(model.seasonal, false);
  model.observe(50);
  assert.equal(model.seasonal, true);
});

test('the forecast is never negative, whatever the series', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 80 }),
      fc.integer({ min: 1, max: 30 }),
      (series, steps) => {
        const model = new HoltWinters({ seasonSteps: 10 });
        for (const v of series) model.observe(v);
        const out = model.forecast(steps);
        return out.length === steps && out.every((v) => v >= 0 && Number.isFinite(v)) && model.current() >= 0;
      },
    ),
  );
});

test('trendNoise predicts how far the trend moves on a flat noisy series', () => {
  const model = new HoltWinters();
  const noise = normalNoise(3);
  let sumSquares = 0;
  let n = 0;
  for (let i = 0; i < 20_000; i++) {
    model.observe(500 + 40 * noise());
    if (i < 500) continue;
    sumSquares += model.trend ** 2;
    n += 1;
  }
  const measured = Math.sqrt(sumSquares / n);
  const predicted = model.trendNoise(40);
  assert.ok(
    Math.abs(predicted / measured - 1) < 0.1,
    `predicted ${predicted.toFixed(3)}, measured ${measured.toFixed(3)} req/s per reading`,
  );
  // a steeper damping or slower trend smoothing moves less
  assert.ok(new HoltWinters({ beta: 0.02 }).trendNoise(40) < predicted);
});

test('forecast takes a trend in place of the model own', () => {
  const model = new HoltWinters({ phi: 1 });
  for (let i = 0; i < 200; i++) model.observe(100 + 5 * i);
  assert.deepEqual(model.forecast(5), model.forecast(5, model.trend));
  const level = model.forecast(5, 0);
  assert.ok(
    level.every((v) => v === level[0]),
    'no trend: flat',
  );
  assert.ok(Math.abs((level[0] as number) - (100 + 5 * 199)) < 5);
});
