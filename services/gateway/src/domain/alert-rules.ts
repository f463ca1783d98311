/**
 * The platform's alert rules as the gateway evaluates them on what it gathers itself: the embedded
 * default has no Prometheus, so the gateway's ops module watches the same conditions that
 * deploy/observability/alerts.yml gives Prometheus at scale — the same names, thresholds, windows
 * and `for` durations, so an alert means the same thing wherever it fires. Pure: each evaluation
 * takes the figures per service, the previous state and the time, and says what started and what
 * stopped firing.
 *
 * Where the two differ, by what each can see: InstanceDown here is a service of the topology with no
 * live instance in discovery (Prometheus: a target it cannot scrape); the windows are over the
 * gateway's own samples since it started, as Prometheus's are over what it has scraped.
 */

/** What the rules read of one service (undefined: nothing to judge yet, the rule stays quiet). */
export interface ServiceHealth {
  name: string;
  /** Live instances, as discovery knows them. */
  instances: number;
  /** Requests per second over the last minute. */
  rps1m: number;
  /** 5xx share of requests over the last minute, 5 minutes, 30 minutes, hour, 6 hours; undefined without requests. */
  errorRatio1m: number | undefined;
  errorRatio5m: number | undefined;
  errorRatio30m: number | undefined;
  errorRatio1h: number | undefined;
  errorRatio6h: number | undefined;
  /** 99th percentile latency over the last 5 minutes (upper bound of its bucket); undefined without requests. */
  p99Ms5m: number | undefined;
  /** The oldest wait of an order in its saga step (orders), the oldest unpublished outbox row, open dead letters: max over instances. */
  sagaOldestStepAgeSeconds: number | undefined;
  outboxOldestAgeSeconds: number | undefined;
  deadLetters: number | undefined;
}

export type AlertName =
  | 'HighErrorRate'
  | 'LatencyOverSlo'
  | 'SagaStepStuck'
  | 'DeadLettersNotEmpty'
  | 'OutboxBacklogGrowing'
  | 'InstanceDown'
  | 'ErrorBudgetBurn'
  | 'ErrorBudgetBurnSlow';

export interface AlertRule {
  name: AlertName;
  severity: 'critical' | 'warning';
  /** How long the condition must hold before the alert fires (alerts.yml's `for`). */
  forMs: number;
  /** The value the rule watches, when the condition holds; undefined when it does not. */
  breach(service: ServiceHealth): number | undefined;
  /** The alert in words, for the value that breached it. */
  summary(service: string, value: number): string;
}

/** 99.9 % of requests answered without a 5xx, per service over 30 days: 0.1 % may fail. */
export const ERROR_BUDGET = 0.001;
/** A burn of 14.4× the budget spends 2 % of 30 days' budget in an hour (14.4 × 1 h / 720 h). */
export const FAST_BURN = 14.4;
/** A burn of 6× spends 5 % of the budget in 6 hours (6 × 6 h / 720 h): slower, still worth a look in working hours. */
export const SLOW_BURN = 6;

const MINUTE = 60_000;
const percent = (ratio: number) => `${(ratio * 100).toFixed(ratio < 0.1 ? 2 : 1)}%`;
const when = (condition: boolean, value: number | undefined) => (condition ? value : undefined);

export const ALERT_RULES: readonly AlertRule[] = [
  {
    name: 'HighErrorRate',
    severity: 'critical',
    forMs: 2 * MINUTE,
    // The traffic floor (1 request/s) keeps one failed request out of three at night from paging.
    breach: (s) => when(s.errorRatio1m !== undefined && s.errorRatio1m > 0.05 && s.rps1m >= 1, s.errorRatio1m),
    summary: (service, ratio) => `${service} answered ${percent(ratio)} of its requests with a 5xx over the last minute (over 5%)`,
  },
  {
    name: 'LatencyOverSlo',
    severity: 'warning',
    forMs: 5 * MINUTE,
    breach: (s) => when(s.p99Ms5m !== undefined && s.p99Ms5m > 500, s.p99Ms5m),
    summary: (service, ms) => `${service}'s p99 latency over 5 minutes is ${ms} ms, over the 500 ms objective`,
  },
  {
    name: 'SagaStepStuck',
    severity: 'critical',
    forMs: MINUTE,
    breach: (s) => when(s.sagaOldestStepAgeSeconds !== undefined && s.sagaOldestStepAgeSeconds > 60, s.sagaOldestStepAgeSeconds),
    summary: (service, seconds) => `${service}: a checkout saga step has waited ${Math.round(seconds)} s (over 60 s)`,
  },
  {
    name: 'DeadLettersNotEmpty',
    severity: 'warning',
    forMs: MINUTE,
    breach: (s) => when(s.deadLetters !== undefined && s.deadLetters > 0, s.deadLetters),
    summary: (service, n) => `${service} has ${n} open dead letter${n === 1 ? '' : 's'}`,
  },
  {
    name: 'OutboxBacklogGrowing',
    severity: 'warning',
    forMs: 2 * MINUTE,
    breach: (s) => when(s.outboxOldestAgeSeconds !== undefined && s.outboxOldestAgeSeconds > 30, s.outboxOldestAgeSeconds),
    summary: (service, seconds) => `${service}'s outbox holds an event ${Math.round(seconds)} s old (over 30 s)`,
  },
  {
    name: 'InstanceDown',
    severity: 'critical',
    forMs: MINUTE,
    breach: (s) => when(s.instances === 0, 0),
    summary: (service) => `${service} has no live instance`,
  },
  {
    name: 'ErrorBudgetBurn',
    severity: 'critical',
    forMs: 2 * MINUTE,
    // The hour proves the burn is real, the last 5 minutes that it is still going on.
    breach: (s) =>
      when(
        s.errorRatio1h !== undefined &&
          s.errorRatio5m !== undefined &&
          s.errorRatio1h > FAST_BURN * ERROR_BUDGET &&
          s.errorRatio5m > FAST_BURN * ERROR_BUDGET,
        s.errorRatio1h,
      ),
    summary: (service, ratio) =>
      `${service} answered ${percent(ratio)} of its requests with a 5xx over the last hour, burning its error budget at over ${FAST_BURN}x (over 1.44%)`,
  },
  {
    name: 'ErrorBudgetBurnSlow',
    severity: 'warning',
    forMs: 15 * MINUTE,
    // Six hours prove a steady burn, the last 30 minutes that it still goes on.
    breach: (s) =>
      when(
        s.errorRatio6h !== undefined &&
          s.errorRatio30m !== undefined &&
          s.errorRatio6h > SLOW_BURN * ERROR_BUDGET &&
          s.errorRatio30m > SLOW_BURN * ERROR_BUDGET,
        s.errorRatio6h,
      ),
    summary: (service, ratio) =>
      `${service} answered ${percent(ratio)} of its requests with a 5xx over the last 6 hours, burning its error budget at over ${SLOW_BURN}x (over 0.6%)`,
  },
];

/** Where one rule stands for one service: breached since `since`, and firing once that lasted its `for`. */
interface Standing {
  since: number;
  firing: boolean;
}
/** Every rule breached for some service, keyed `<alert>/<service>`; what is not here is quiet. */
export type AlertState = ReadonlyMap<string, Standing>;
export const NO_ALERTS: AlertState = new Map();

export interface AlertChange {
  kind: 'alert_firing' | 'alert_resolved';
  service: string;
  /** `value` is what breached the rule (a firing alert's). */
  detail: { alert: AlertName; severity: 'critical' | 'warning'; summary: string; value?: number };
}

/**
 * One evaluation: a rule whose condition has held for its `for` starts firing (one `alert_firing`),
 * and a firing rule whose condition no longer holds resolves (one `alert_resolved`). A condition that
 * clears before its `for` ran out leaves no trace, as in Prometheus. A service missing from `services`
 * has nothing breached.
 */
export function evaluateAlerts(
  previous: AlertState,
  services: readonly ServiceHealth[],
  now: number,
  rules: readonly AlertRule[] = ALERT_RULES,
): { state: AlertState; changes: AlertChange[] } {
  const state = new Map<string, Standing>();
  const changes: AlertChange[] = [];
  const seen = new Set<string>();
  for (const service of services) {
    for (const rule of rules) {
      const key = `${rule.name}/${service.name}`;
      seen.add(key);
      const before = previous.get(key);
      const value = rule.breach(service);
      const detail = (v: number) => ({ alert: rule.name, severity: rule.severity, summary: rule.summary(service.name, v), value: v });
      if (value === undefined) {
        if (before?.firing) changes.push({ kind: 'alert_resolved', service: service.name, detail: resolvedDetail(rule, service.name) });
        continue;
      }
      const since = before?.since ?? now;
      const firing = before?.firing === true || now - since >= rule.forMs;
      if (firing && !before?.firing) changes.push({ kind: 'alert_firing', service: service.name, detail: detail(value) });
      state.set(key, { since, firing });
    }
  }
  // A service no longer reported: whatever fired for it is over.
  for (const [key, standing] of previous) {
    if (seen.has(key) || !standing.firing) continue;
    const [name = '', service = ''] = key.split('/');
    const rule = rules.find((r) => r.name === name);
    if (rule) changes.push({ kind: 'alert_resolved', service, detail: resolvedDetail(rule, service) });
  }
  return { state, changes };
}

function resolvedDetail(rule: AlertRule, service: string): AlertChange['detail'] {
  return { alert: rule.name, severity: rule.severity, summary: `${rule.name} for ${service} is over` };
}
