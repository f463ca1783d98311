import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Anomaly } from '../src/api.ts';
import { EwmaDetector } from '../src/domain/anomaly-detector.ts';
import { normalNoise } from './noise.ts';

/** Feeds the series one reading per 5 s; returns the index of each raised anomaly. */
function alarms(detector: EwmaDetector, series: number[]): { index: number; anomaly: Anomaly }[] {
  const out: { index: number; anomaly: Anomaly }[] = [];
  series.forEach((value, index) => {
    const anomaly = detector.observe(index * 5_000, value);
    if (anomaly) out.push({ index, anomaly });
  });
  return out;
}

const latency = (seed: number, length: number) => {
  const noise = normalNoise(seed);
  return Array.from({ length }, () => 40 * (1 + 0.1 * noise()));
};

test('the detector fires within 3 readings of a latency step', () => {
  const series = latency(1, 400);
  for (let i = 200; i < 400; i++) series[i] = (series[i] as number) + 40; // p99 40 → 80 ms
  const raised = alarms(new EwmaDetector(), series);
  assert.equal(raised.length, 1);
  const [first] = raised;
  assert.ok(first && first.index >= 200 && first.index <= 202, `raised at ${first?.index}`);
  assert.ok(first.anomaly.score > 4 && Math.abs(first.anomaly.expected - 40) < 4, JSON.stringify(first.anomaly));
});

test('the detector stays quiet on a noisy flat series over 10,000 readings', () => {
  const noise = normalNoise(2);
  // Noise with the odd lone spike (a GC pause) as p99 latency has.
  const series = Array.from({ length: 10_000 }, (_, i) => 40 * (1 + 0.1 * noise()) + (i % 997 === 0 ? 200 : 0));
  assert.deepEqual(alarms(new EwmaDetector(), series), []);
});

test('a sustained step stays one episode, and a later incident raises again', () => {
  const series = latency(3, 1200);
  for (let i = 200; i < 500; i++) series[i] = (series[i] as number) + 60;
  for (let i = 900; i < 1000; i++) series[i] = (series[i] as number) + 60;
  const raised = alarms(new EwmaDetector(), series).map((a) => a.index);
  assert.equal(raised.length, 2, raised.join(','));
  assert.ok((raised[0] as number) <= 202 && (raised[1] as number) >= 900 && (raised[1] as number) <= 902, raised.join(','));
});

test('anomalous readings do not pull the baseline up quickly', () => {
  const detector = new EwmaDetector();
  const series = latency(4, 300);
  for (let i = 200; i < 300; i++) series[i] = (series[i] as number) + 100;
  series.forEach((v, i) => {
    detector.observe(i, v);
  });
  // 100 readings of 140 ms later the level is still near 40 (an undamped EWMA at α 0.05 would be at ~140)
  assert.ok(detector.expected < 70, `expected ${detector.expected}`);
});

test('nothing is raised during the warmup', () => {
  const series = [1, 1, 1, 1, 1000, 1000, 1000, 1000];
  assert.deepEqual(alarms(new EwmaDetector({ warmup: 10 }), series), []);
});

test('a rise smaller than minDeviation is never an anomaly', () => {
  const series = [...Array(100).fill(10), ...Array(50).fill(12)];
  assert.deepEqual(alarms(new EwmaDetector({ minDeviation: 5 }), series), []);
  assert.equal(alarms(new EwmaDetector({ minDeviation: 1 }), series).length, 1);
});

test('a drop is an anomaly only when upOnly is false', () => {
  const series = latency(5, 300);
  for (let i = 200; i < 300; i++) series[i] = (series[i] as number) - 30;
  assert.deepEqual(alarms(new EwmaDetector(), series), []);
  assert.equal(alarms(new EwmaDetector({ upOnly: false }), series).length, 1);
});

test('at most one anomaly is raised per confirm readings, and only from finite series', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0, max: 1000, noNaN: true }), { maxLength: 300 }),
      fc.integer({ min: 1, max: 5 }),
      (series, confirm) => {
        const raised = alarms(new EwmaDetector({ confirm, warmup: 5 }), series).map((a) => a.index);
        return (
          raised.every((index, k) => index >= 5 + confirm - 1 && (k === 0 || index - (raised[k - 1] as number) >= confirm)) &&
          raised.every((i) => Number.isFinite(series[i]))
        );
      },
    ),
  );
});

/** p99 latency as the bench has it: 40 ms ± 10 % and a lone 3× spike (a GC pause) every 500 readings. */
const latencyWithSpikes = (seed: number, length: number, level: (i: number) => number = () => 40) => {
  const noise = normalNoise(seed);
  return Array.from({ length }, (_, i) => level(i) * (1 + 0.1 * noise()) * (i % 500 === 250 ? 3 : 1));
};

test('a slow leak of +2 % a minute is raised within 12 minutes, against the slow baseline', () => {
  // An hour of normal readings, then +0.8 ms a minute (12 readings).
  const start = 720;
  const series = latencyWithSpikes(11, start + 720).map((v, i) => (i < start ? v : v + (0.8 * (i - start)) / 12));
  const raised = alarms(new EwmaDetector(), series);
  assert.equal(raised.length, 1, JSON.stringify(raised));
  const [first] = raised;
  assert.ok(first && first.index >= start && first.index < start + 144, `raised at ${first?.index}`);
  assert.equal(first.anomaly.baseline, 'slow');
  // Expected is where the level was a quarter of an hour ago, value the level now: the drift between them.
  assert.ok(Math.abs(first.anomaly.expected - 40) < 5 && first.anomaly.value > first.anomaly.expected, JSON.stringify(first.anomaly));
  assert.ok(first.anomaly.score > 6, JSON.stringify(first.anomaly));
  // The fast level alone follows it: without the drift check nothing is raised in that hour.
  assert.deepEqual(alarms(new EwmaDetector({ drift: false }), series), []);
});

test('a daily curve with noise and spikes raises nothing over three days', () => {
  const day = 17_280; // 5 s readings
  const series = latencyWithSpikes(12, 3 * day, (i) => 40 * (1 + 0.3 * Math.sin((2 * Math.PI * i) / day)));
  assert.deepEqual(alarms(new EwmaDetector(), series), []);
});

test('a lone spike moves neither baseline', () => {
  const series = latencyWithSpikes(13, 600);
  const spiked = [...series.slice(0, 500), 120];
  const plain = [...series.slice(0, 500), 40];
  const [withSpike, without] = [new EwmaDetector(), new EwmaDetector()];
  alarms(withSpike, spiked);
  alarms(without, plain);
  // Learnt in full, 80 ms more would move the fast level by 4 ms (α 0.05) and the slow one by 0.44 ms (α 1/180).
  assert.ok(Math.abs(withSpike.expected - without.expected) < 0.5, `fast ${withSpike.expected} vs ${without.expected}`);
  const slow = (withSpike.slowBaseline ?? Number.NaN) - (without.slowBaseline ?? Number.NaN);
  assert.ok(Math.abs(slow) < 0.05, `slow moved by ${slow}`);
});

test('a lasting step is one episode, and a burst on top of it hours later is raised again', () => {
  // 40 → 80 ms for good after an hour; 5 minutes of +80 ms more 5 hours later. Once the fast level has
  // taken the step in, the slow baseline must follow it too, or the step's drift would keep the
  // episode open and mute the series for hours.
  const hour = 720;
  const series = latency(14, 7 * hour).map((v, i) => v + (i >= hour ? 40 : 0) + (i >= 6 * hour && i < 6 * hour + 60 ? 80 : 0));
  const raised = alarms(new EwmaDetector(), series).map((a) => a.index);
  assert.equal(raised.length, 2, raised.join(','));
  assert.ok(
    (raised[0] as number) <= hour + 2 && (raised[1] as number) >= 6 * hour && (raised[1] as number) <= 6 * hour + 2,
    raised.join(','),
  );
});

test('a drift smaller than minDeviation is never raised', () => {
  const start = 720;
  // +0.8 ms a minute for an hour: the level runs away from a 15 min baseline by 12 ms at most.
  const series = latencyWithSpikes(15, start + 720).map((v, i) => (i < start ? v : v + (0.8 * (i - start)) / 12));
  assert.deepEqual(alarms(new EwmaDetector({ minDeviation: 20 }), series), []);
  assert.equal(alarms(new EwmaDetector({ minDeviation: 20, slowAlpha: 1 / 720 }), series).length, 1);
});
