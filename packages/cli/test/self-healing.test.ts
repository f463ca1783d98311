import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ManagedProcess, type RestartInfo } from '../src/managed-process.ts';
import { ReadinessWatch } from '../src/supervision/readiness-watch.ts';
import { RestartPolicy } from '../src/supervision/restart-policy.ts';

const FLAKY = fileURLToPath(new URL('./fixtures/flaky-child.ts', import.meta.url));

function flaky(mode: 'crash' | 'hang' | 'slow' | 'steady', events: { restarts: RestartInfo[]; loops: number[] }): ManagedProcess {
  return new ManagedProcess({
    name: 'flaky',
    entry: FLAKY,
    env: { ...process.env, FLAKY_MODE: mode },
    nameWidth: 8,
    jsonLogs: true,
    log: () => {},
    restartPolicy: { minDelayMs: 20, maxDelayMs: 100, crashLoopRestarts: 3, crashLoopWindowMs: 30_000 },
    onRestart: (info) => events.restarts.push(info),
    onCrashLoop: (info) => events.loops.push(info.restarts),
  });
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('the condition did not hold in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the restart policy', () => {
  it('doubles the delay after each failure in a row, up to its bound', () => {
    const policy = new RestartPolicy({ minDelayMs: 500, maxDelayMs: 3_000, crashLoopRestarts: 100 });
    const delays = [0, 1, 2, 3, 4].map((i) => policy.onFailure(1_000 + i, 1_000 + i));
    assert.deepEqual(
      delays.map((v) => (v.action === 'restart' ? v.delayMs : -1)),
      [500, 1_000, 2_000, 3_000, 3_000],
    );
  });

  it('restarts quickly again once the child has run stably', () => {
    const policy = new RestartPolicy({ minDelayMs: 500, stableAfterMs: 30_000, crashLoopRestarts: 100 });
    policy.onFailure(0, 0);
    policy.onFailure(1_000, 1_000);
    const afterStableRun = policy.onFailure(100_000, 40_000);
    assert.deepEqual(afterStableRun, { action: 'restart', delayMs: 500, attempt: 1 });
  });

  it('gives up after the crash-loop count of restarts within the window, and not when they are spread out', () => {
    const looping = new RestartPolicy({ crashLoopRestarts: 5, crashLoopWindowMs: 120_000 });
    const verdicts = [0, 10, 20, 30, 40, 50].map((s) => looping.onFailure(s * 1_000, s * 1_000));
    assert.deepEqual(verdicts.at(-1), { action: 'give_up', restarts: 5, windowMs: 120_000 });
    assert.ok(verdicts.slice(0, 5).every((v) => v.action === 'restart'));

    const spread = new RestartPolicy({ crashLoopRestarts: 5, crashLoopWindowMs: 120_000 });
    const hourly = [0, 1, 2, 3, 4, 5, 6, 7].map((h) => spread.onFailure(h * 3_600_000, h * 3_600_000));
    assert.ok(hourly.every((v) => v.action === 'restart'));
  });
});

describe('a supervised child', () => {
  it('that crashes right after each start is restarted with backoff, then left down as a crash loop', async () => {
    const events = { restarts: [] as RestartInfo[], loops: [] as number[] };
    const child = flaky('crash', events);
    child.start();
    await until(() => events.loops.length > 0, 20_000);
    assert.equal(events.restarts.length, 3);
    assert.deepEqual(
      events.restarts.map((r) => [r.cause, r.exitCode, r.delayMs]),
      [
        ['crashed', 1, 20],
        ['crashed', 1, 40],
        ['crashed', 1, 80],
      ],
    );
    assert.deepEqual(events.loops, [3]);
    assert.equal(child.crashLooping, true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(child.child, undefined, 'no restart after the crash loop was declared');
  });

  it('that stops answering its readiness check is recycled and comes back', async () => {
    const events = { restarts: [] as RestartInfo[], loops: [] as number[] };
    const child = flaky('hang', events);
    const watch = new ReadinessWatch(() => [child], { intervalMs: 100, silentMs: 300, drainMs: 300 });
    child.start();
    const firstPid = (await child.whenReady()) && child.child?.pid;
    watch.start();
    try {
      await until(() => events.restarts.length > 0 && child.ready !== undefined && child.child?.pid !== firstPid, 20_000);
      assert.equal(events.restarts[0]?.cause, 'unready');
      assert.equal(events.restarts[0]?.signal, 'SIGKILL', 'a livelocked child ignores SIGTERM and is killed after the drain bound');
    } finally {
      watch.stop();
      await child.stop(1_000);
    }
  });

  it('is not recycled for a pause of the supervisor itself longer than the silence bound', async () => {
    const events = { restarts: [] as RestartInfo[], loops: [] as number[] };
    const child = flaky('steady', events);
    const watch = new ReadinessWatch(() => [child], { intervalMs: 100, silentMs: 600, drainMs: 300 });
    child.start();
    await child.whenReady();
    watch.start();
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      // The supervisor's own loop stops for 0.9 s (a debugger, a laptop asleep): no round, no answer read.
      const until = performance.now() + 900;
      while (performance.now() < until) {
        // busy
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      assert.deepEqual(events.restarts, []);
    } finally {
      watch.stop();
      await child.stop(1_000);
    }
  });

  for (const mode of ['steady', 'slow'] as const)
    it(`that answers its readiness check${mode === 'slow' ? ' late, as an overloaded one does,' : ''} is left alone`, async () => {
      const events = { restarts: [] as RestartInfo[], loops: [] as number[] };
      const child = flaky(mode, events);
      // The slow child answers 400 ms late: later than the interval, within the silence bound.
      const watch = new ReadinessWatch(() => [child], { intervalMs: 50, silentMs: 1_500, drainMs: 300 });
      child.start();
      await child.whenReady();
      watch.start();
      try {
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        assert.deepEqual(events.restarts, []);
      } finally {
        watch.stop();
        await child.stop(1_000);
      }
    });
});
