import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  actionLine,
  chaosOptions,
  childrenOf,
  eligibleVictims,
  type Instance,
  instancesOf,
  parseDuration,
  parseProcessTable,
  pickVictim,
  restingServices,
  seededRandom,
  slowDbCycle,
} from '../src/chaos/chaos-plan.ts';

const SUPERVISOR = 500;
const PS = `
    1     0 /sbin/init
  500   400 /usr/bin/node --max-semi-space-size=1 /repo/packages/cli/src/bin.ts up
  501   500 /usr/bin/node --max-old-space-size=96 /repo/services/registry/src/main.ts
  502   500 /usr/bin/node /repo/services/orders/src/main.ts
  503   500 /usr/bin/node /repo/services/orders/src/main.ts
  504   500 /usr/bin/node /repo/services/gateway/src/main.ts
  505   500 /usr/lib/postgresql/bin/postgres -D /tmp/x/postgres -p 5433
  506   505 postgres: checkpointer
  507   505 postgres: orders_user orders 127.0.0.1(40000) idle
  600   999 /usr/bin/node /other/checkout/services/catalog/src/main.ts
  601   500 /usr/bin/node /repo/services/catalog/src/main.ts.bak
`;

const all = (instances: Instance[]) => new Set(instances.map((i) => i.pid));

describe('chaos: durations', () => {
  it('reads 200ms, 5s, 1.5s and 1m as milliseconds', () => {
    assert.equal(parseDuration('slow-db', '200ms'), 200);
    assert.equal(parseDuration('kill-every', '5s'), 5000);
    assert.equal(parseDuration('pause', '1.5s'), 1500);
    assert.equal(parseDuration('duration', '1m'), 60_000);
  });

  it('refuses a bare number, an unknown unit, zero and a negative, naming the option', () => {
    for (const text of ['5', '5h', '0s', '-1s', 's', '']) {
      assert.throws(
        () => parseDuration('kill-every', text),
        (error: Error) => error instanceof RangeError && /--kill-every/.test(error.message),
      );
    }
  });
});

describe('chaos: options', () => {
  it('needs something to break', () => {
    assert.throws(() => chaosOptions({}), /--kill-every/);
  });

  it('a pause is given at an interval, so --pause without --kill-every is refused', () => {
    assert.throws(() => chaosOptions({ pause: '3s' }), /--pause needs --kill-every/);
  });

  it('a slow database of two seconds or more is refused: it would look dead, not slow', () => {
    assert.throws(() => chaosOptions({ 'slow-db': '2s' }), /under 2s/);
    assert.equal(chaosOptions({ 'slow-db': '200ms' }).slowDbMs, 200);
  });

  it('takes the seed it is given and spares the registry only when asked', () => {
    const options = chaosOptions({ 'kill-every': '5s', seed: '42', duration: '30s' });
    assert.deepEqual(options, {
      everyMs: 5000,
      pauseMs: undefined,
      slowDbMs: undefined,
      durationMs: 30_000,
      seed: 42,
      spareRegistry: false,
    });
    assert.equal(chaosOptions({ 'kill-every': '5s', 'spare-registry': true }).spareRegistry, true);
    assert.throws(() => chaosOptions({ 'kill-every': '5s', seed: 'x' }), /--seed/);
  });
});

describe("chaos: the supervisor's instances from ps", () => {
  it("finds the supervisor's children that run services/<name>/src/main.ts, several per service", () => {
    assert.deepEqual(instancesOf(parseProcessTable(PS), SUPERVISOR), [
      { pid: 504, service: 'gateway' },
      { pid: 502, service: 'orders' },
      { pid: 503, service: 'orders' },
      { pid: 501, service: 'registry' },
    ]);
  });

  it("finds the postmaster's children, backends and helpers alike", () => {
    assert.deepEqual(childrenOf(parseProcessTable(PS), 505), [506, 507]);
  });
});

describe('chaos: who may be hit', () => {
  const instances = instancesOf(parseProcessTable(PS), SUPERVISOR);
  const nothingPaused = new Set<number>();

  it('never the last gateway', () => {
    const victims = eligibleVictims(instances, { spareRegistry: false, paused: nothingPaused, settled: all(instances) });
    assert.ok(!victims.some((v) => v.service === 'gateway'));
  });

  it('one of two gateways may be hit', () => {
    const two = [...instances, { pid: 510, service: 'gateway' }];
    const victims = eligibleVictims(two, { spareRegistry: false, paused: nothingPaused, settled: all(two) });
    assert.equal(victims.filter((v) => v.service === 'gateway').length, 2);
  });

  it('the registry is a fair target unless spared', () => {
    const settled = all(instances);
    assert.ok(eligibleVictims(instances, { spareRegistry: false, paused: nothingPaused, settled }).some((v) => v.service === 'registry'));
    assert.ok(!eligibleVictims(instances, { spareRegistry: true, paused: nothingPaused, settled }).some((v) => v.service === 'registry'));
  });

  it('neither a paused instance nor one that appeared since the previous look (a restart still starting)', () => {
    const victims = eligibleVictims(instances, { spareRegistry: false, paused: new Set([502]), settled: new Set([501, 502, 504]) });
    assert.deepEqual(
      victims.map((v) => v.pid),
      [501],
    );
  });

  it('a victim is always one of the candidates, and the same seed picks the same sequence', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.array(fc.nat(), { minLength: 1, maxLength: 20 }), (seed, pids) => {
        const first = seededRandom(seed);
        const second = seededRandom(seed);
        for (let i = 0; i < 10; i++) {
          const picked = pickVictim(pids, first);
          assert.ok(picked !== undefined && pids.includes(picked));
          assert.equal(pickVictim(pids, second), picked);
        }
      }),
    );
  });

  it("a service hit four times within two minutes rests, below the supervisor's crash loop of five restarts", () => {
    const now = 1_000_000;
    const hits = new Map([
      ['orders', [now - 100_000, now - 60_000, now - 30_000, now - 1000]],
      ['payments', [now - 130_000, now - 60_000, now - 30_000, now - 1000]],
    ]);
    const resting = restingServices(hits, now);
    assert.deepEqual([...resting], ['orders']);
    const victims = eligibleVictims(instances, { spareRegistry: false, paused: nothingPaused, settled: all(instances), resting });
    assert.ok(!victims.some((v) => v.service === 'orders'));
  });

  it('picks nobody from nobody', () => {
    assert.equal(pickVictim([], seededRandom(1)), undefined);
  });

  it('over many picks every candidate gets hit (the generator is not stuck on a few)', () => {
    const random = seededRandom(7);
    const hits = new Map<string, number>();
    for (let i = 0; i < 1000; i++) {
      const picked = pickVictim(['a', 'b', 'c', 'd', 'e'], random) ?? '';
      hits.set(picked, (hits.get(picked) ?? 0) + 1);
    }
    for (const count of hits.values()) assert.ok(count > 150 && count < 250, JSON.stringify([...hits]));
  });
});

describe('chaos: the slow database', () => {
  it('is stopped D out of every second, and for a long D never more than half the time', () => {
    assert.deepEqual(slowDbCycle(200), { stoppedMs: 200, runningMs: 800 });
    assert.deepEqual(slowDbCycle(1500), { stoppedMs: 1500, runningMs: 1500 });
  });
});

describe('chaos: its lines', () => {
  it('one line: time, action, process, pid', () => {
    assert.equal(
      actionLine(new Date('2026-01-02T03:04:05.678Z'), 'kill', 'orders', 502, 'SIGKILL'),
      '03:04:05.678  kill     orders           pid 502      SIGKILL',
    );
  });
});
