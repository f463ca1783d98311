import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALERT_RULES, type AlertName, type AlertState, evaluateAlerts, NO_ALERTS, type ServiceHealth } from '../src/domain/alert-rules.ts';

const MINUTE = 60_000;

/** A service in good health: traffic, no 5xx, fast, nothing waiting. */
const healthy = (name = 'orders', changes: Partial<ServiceHealth> = {}): ServiceHealth => ({
  name,
  instances: 1,
  rps1m: 20,
  errorRatio1m: 0,
  errorRatio5m: 0,
  errorRatio30m: 0,
  errorRatio1h: 0,
  errorRatio6h: 0,
  p99Ms5m: 50,
  sagaOldestStepAgeSeconds: 0,
  outboxOldestAgeSeconds: 0,
  deadLetters: 0,
  ...changes,
});

/** What makes each rule breach, on an otherwise healthy service. */
const BAD: Record<AlertName, Partial<ServiceHealth>> = {
  HighErrorRate: { errorRatio1m: 0.06, rps1m: 1 },
  LatencyOverSlo: { p99Ms5m: 1000 },
  SagaStepStuck: { sagaOldestStepAgeSeconds: 61 },
  DeadLettersNotEmpty: { deadLetters: 1 },
  OutboxBacklogGrowing: { outboxOldestAgeSeconds: 31 },
  InstanceDown: { instances: 0 },
  ErrorBudgetBurn: { errorRatio1h: 0.015, errorRatio5m: 0.015 },
  ErrorBudgetBurnSlow: { errorRatio6h: 0.007, errorRatio30m: 0.007 },
};

/** Evaluates `steps` in turn, one per `stepMs`, and returns every change with when it happened. */
function run(steps: ServiceHealth[][], stepMs: number) {
  let state: AlertState = NO_ALERTS;
  const changes: { at: number; kind: string; service: string; alert: string }[] = [];
  steps.forEach((services, i) => {
    const result = evaluateAlerts(state, services, i * stepMs);
    state = result.state;
    for (const c of result.changes) changes.push({ at: i * stepMs, kind: c.kind, service: c.service, alert: c.detail.alert });
  });
  return changes;
}

describe('alert rules, as the gateway evaluates them', () => {
  it('has the eight rules of deploy/observability/alerts.yml, with its severities and `for` durations', () => {
    assert.deepEqual(
      ALERT_RULES.map((r) => [r.name, r.severity, r.forMs / MINUTE]),
      [
        ['HighErrorRate', 'critical', 2],
        ['LatencyOverSlo', 'warning', 5],
        ['SagaStepStuck', 'critical', 1],
        ['DeadLettersNotEmpty', 'warning', 1],
        ['OutboxBacklogGrowing', 'warning', 2],
        ['InstanceDown', 'critical', 1],
        ['ErrorBudgetBurn', 'critical', 2],
        ['ErrorBudgetBurnSlow', 'warning', 15],
      ],
    );
  });

  for (const rule of ALERT_RULES) {
    it(`${rule.name}: fires once its condition has held for ${rule.forMs / MINUTE} min, resolves once, quiet while healthy`, () => {
      const bad = healthy('orders', BAD[rule.name]);
      // Healthy for a while, bad past the rule's `for`, healthy again, for 5 s evaluations.
      const steps = [
        ...Array.from({ length: 12 }, () => [healthy()]),
        ...Array.from({ length: rule.forMs / 5_000 + 2 }, () => [bad]),
        ...Array.from({ length: 12 }, () => [healthy()]),
      ];
      const changes = run(steps, 5_000);
      const firstBad = 12 * 5_000;
      assert.deepEqual(changes, [
        { at: firstBad + rule.forMs, kind: 'alert_firing', service: 'orders', alert: rule.name },
        { at: firstBad + rule.forMs + 10_000, kind: 'alert_resolved', service: 'orders', alert: rule.name },
      ]);
      assert.equal(rule.breach(healthy()), undefined, 'a healthy service breaches nothing');
    });
  }

  it('a condition that clears before its `for` runs out records nothing', () => {
    const stuck = healthy('orders', BAD.SagaStepStuck);
    assert.deepEqual(run([[stuck], [stuck], [healthy()], [stuck], [healthy()]], 20_000), []);
  });

  it('each service has its own alerts: one firing does not fire or resolve another', () => {
    const { state, changes } = evaluateAlerts(NO_ALERTS, [healthy('cart', BAD.InstanceDown), healthy('catalog')], 0);
    assert.deepEqual(changes, []);
    const later = evaluateAlerts(state, [healthy('cart', BAD.InstanceDown), healthy('catalog')], MINUTE);
    assert.deepEqual(
      later.changes.map((c) => [c.kind, c.service, c.detail.alert, c.detail.severity]),
      [['alert_firing', 'cart', 'InstanceDown', 'critical']],
    );
    assert.match(later.changes[0]?.detail.summary ?? '', /cart has no live instance/);
  });

  it('thresholds are strict, as in alerts.yml: exactly at the line is quiet', () => {
    const at = (rule: AlertName, changes: Partial<ServiceHealth>) =>
      ALERT_RULES.find((r) => r.name === rule)?.breach(healthy('orders', changes));
    assert.equal(at('HighErrorRate', { errorRatio1m: 0.05 }), undefined);
    assert.equal(at('HighErrorRate', { errorRatio1m: 0.5, rps1m: 0.9 }), undefined, 'under 1 request/s');
    assert.equal(at('LatencyOverSlo', { p99Ms5m: 500 }), undefined);
    assert.equal(at('LatencyOverSlo', { p99Ms5m: undefined }), undefined, 'no traffic');
    assert.equal(at('SagaStepStuck', { sagaOldestStepAgeSeconds: 60 }), undefined);
    assert.equal(at('OutboxBacklogGrowing', { outboxOldestAgeSeconds: 30 }), undefined);
    assert.equal(at('ErrorBudgetBurn', { errorRatio1h: 0.0144, errorRatio5m: 0.5 }), undefined);
    assert.equal(at('ErrorBudgetBurn', { errorRatio1h: 0.5, errorRatio5m: 0.01 }), undefined, 'the burn has stopped');
    assert.equal(at('ErrorBudgetBurn', { errorRatio1h: undefined, errorRatio5m: undefined }), undefined, 'no traffic');
    assert.equal(at('ErrorBudgetBurnSlow', { errorRatio6h: 0.006, errorRatio30m: 0.5 }), undefined);
    assert.equal(at('ErrorBudgetBurnSlow', { errorRatio6h: 0.5, errorRatio30m: 0.005 }), undefined, 'the slow burn has stopped');
    assert.equal(at('HighErrorRate', { errorRatio1m: 0.051 }), 0.051);
  });

  it('the firing event says which alert, how bad, and what the line is', () => {
    const stuck = healthy('orders', { sagaOldestStepAgeSeconds: 95.4 });
    const first = evaluateAlerts(NO_ALERTS, [stuck], 0);
    const { changes } = evaluateAlerts(first.state, [stuck], MINUTE);
    assert.deepEqual(changes, [
      {
        kind: 'alert_firing',
        service: 'orders',
        detail: {
          alert: 'SagaStepStuck',
          severity: 'critical',
          summary: 'orders: a checkout saga step has waited 95 s (over 60 s)',
          value: 95.4,
        },
      },
    ]);
  });

  it('a service no longer reported resolves what fired for it', () => {
    const down = healthy('recommendations', BAD.InstanceDown);
    const fired = evaluateAlerts(evaluateAlerts(NO_ALERTS, [down], 0).state, [down], MINUTE);
    assert.equal(fired.changes[0]?.kind, 'alert_firing');
    const gone = evaluateAlerts(fired.state, [], MINUTE + 5_000);
    assert.deepEqual(
      gone.changes.map((c) => [c.kind, c.service, c.detail.alert]),
      [['alert_resolved', 'recommendations', 'InstanceDown']],
    );
    assert.deepEqual(evaluateAlerts(gone.state, [], MINUTE + 10_000).changes, []);
  });
});
