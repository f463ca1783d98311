import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ControlEvents } from '@mercato/autoscaler/control';
import { AutoscaleLoop } from '../src/supervision/autoscale-loop.ts';

const STEP_MS = 5_000;

/** The loop on a recorded load series, one step per reading, with a fake supervisor that starts and drains at once. */
async function replay(rps: (step: number) => number | undefined, steps: number) {
  const events = new ControlEvents();
  let running = 1;
  let now = 1_000_000;
  const loop = new AutoscaleLoop({
    services: [{ name: 'catalog', limits: { min: 1, max: 3, capacityRps: 100 } }],
    events,
    stepMs: STEP_MS,
    readLoad: async () => {
      const value = rps((now - 1_000_000) / STEP_MS);
      return value === undefined ? undefined : { at: now, rps: value, instances: running };
    },
    running: () => running,
    scaleTo: async (_service, count) => {
      running = count;
      return true;
    },
  });
  const counts: number[] = [];
  for (let step = 0; step < steps; step++) {
    await loop.step(now);
    counts.push(running);
    now += STEP_MS;
  }
  return { counts, events: events.all(), state: loop.state() };
}

describe('the autoscale loop of mercato up', () => {
  it('scales up as the load rises and back down after it falls, each change an event with its reason', async () => {
    // 10 min: quiet, a rise to 220 req/s (three instances of 100 at 0.8), then quiet again.
    const { counts, events } = await replay((s) => (s < 30 ? 20 : s < 70 ? 220 : 20), 120);
    assert.equal(Math.max(...counts), 3);
    assert.equal(counts.at(-1), 1, 'back to one instance after the load fell');
    const kinds = events.map((e) => e.kind);
    assert.ok(kinds.includes('scaled_up') && kinds.includes('scaled_down'));
    for (const e of events.filter((e) => e.kind.startsWith('scaled_'))) assert.match(String(e.detail.reason), /\w/);
  });

  it('a need beyond max is capped at max and raises ScalingCapped once, resolved when it fits again', async () => {
    const { counts, events } = await replay((s) => (s < 10 ? 20 : s < 40 ? 1_000 : 20), 100);
    assert.equal(Math.max(...counts), 3);
    const capped = events.filter((e) => e.detail.alert === 'ScalingCapped').map((e) => e.kind);
    assert.deepEqual(capped, ['alert_firing', 'alert_resolved']);
  });

  it('a load it cannot read (the registry or an instance did not answer) is no reading: instances stay as they are', async () => {
    // Busy, then ten minutes in which no reading can be taken: a partial read of 0 req/s would drain to one.
    const { counts } = await replay((s) => (s < 40 ? 220 : undefined), 160);
    assert.equal(counts[39], 3);
    assert.equal(counts.at(-1), 3);
  });

  it('shows each decision with its forecast and bounds at /scaling', async () => {
    const { state } = await replay(() => 50, 5);
    const [catalog] = state.services;
    assert.equal(state.autoscaling, true);
    assert.equal(catalog?.name, 'catalog');
    assert.deepEqual([catalog?.min, catalog?.max, catalog?.instances], [1, 3, 1]);
    assert.ok((catalog?.forecast.length ?? 0) > 0);
  });
});
