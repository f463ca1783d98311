import type { Scaler, ScalingLimits } from '../../packages/autoscaler/src/api.ts';
import { PredictiveScaler } from '../../packages/autoscaler/src/domain/predictive-scaler.ts';
import { ReactiveScaler } from '../../packages/autoscaler/src/domain/reactive-scaler.ts';
import { ANOMALY_SERIES, SLOW_BASELINE_READINGS } from '../../services/gateway/src/domain/anomaly-series.ts';
import { ratio } from '../lib/measure-targets.ts';
import { instanceCapacity } from '../lib/scaling/capacity.ts';
import { evaluateDetector } from '../lib/scaling/detector-eval.ts';
import { liveRamp } from '../lib/scaling/live.ts';
import { parseScalingOptions, USAGE } from '../lib/scaling/options.ts';
import { type RunFigures, type ServiceModel, serviceRate, simulate } from '../lib/scaling/simulator.ts';
import { makeTraces } from '../lib/scaling/traces.ts';
import type { Scenario, Table } from '../lib/scenario.ts';

const STEP_MS = 5_000;

/**
 * The autoscaling rules in a deterministic simulator (issue: autoscaling): each load trace is
 * replayed at 5 s steps against one service, once with the HPA's rule (ReactiveScaler, 15 s sync,
 * 30 s metric window) and once with PredictiveScaler, and compared on seconds over the p99 SLO,
 * instance-minutes, the most instances and the number of changes. `--parts detector` evaluates
 * EwmaDetector on noisy series with injected faults, with its defaults and, on the latency series,
 * with the options the gateway gives it. All in-process, the same for a given `--seed`.
 */
export const scenario: Scenario = {
  name: 'scaling',
  description:
    'autoscaling in a simulator: predictive (Holt-Winters) vs the HPA rule on load traces; anomaly detector delay and false alarms',
  options: USAGE,
  async run(args, progress) {
    const o = parseScalingOptions(args);
    const measured = await instanceCapacity();
    const capacityRps = o.capacityRps ?? measured.rps;
    const source = o.capacityRps === undefined ? measured.source : '--capacity';
    const model: ServiceModel = {
      stepMs: STEP_MS,
      capacityRps,
      startDelayMs: o.startDelayMs,
      sloP99Ms: o.sloP99Ms,
      idleP99Ms: o.idleP99Ms,
      clientTimeoutMs: 30_000,
    };
    const limits: ScalingLimits = { min: o.min, max: o.max, capacityRps };
    const summary: Record<string, string | number> = {};
    const tables: Table[] = [];
    let rows: Record<string, string | number>[] = [];

    if (o.parts.has('traces')) {
      progress(
        `one service, ${capacityRps} req/s per instance within the SLO (${source}), saturating at ${Math.round(serviceRate(model))}; instances ${o.min}–${o.max}, start ${o.startDelayMs / 1000} s, p99 SLO ${o.sloP99Ms} ms`,
      );
      const rules: { name: string; make: () => Scaler }[] = [
        {
          name: 'reactive (HPA)',
          make: () =>
            new ReactiveScaler(limits, {
              stepMs: STEP_MS,
              targetUtilisation: o.target,
              syncMs: o.hpaSyncMs,
              metricWindowMs: o.hpaWindowMs,
            }),
        },
        {
          name: 'predictive',
          make: () => new PredictiveScaler(limits, { stepMs: STEP_MS, targetUtilisation: o.target, leadMs: o.leadMs }),
        },
      ];
      for (const trace of makeTraces(capacityRps, STEP_MS, o.seed)) {
        progress(`${trace.name}: ${trace.description} (${trace.rps.length} steps)…`);
        const figures: RunFigures[] = [];
        for (const rule of rules) {
          const f = simulate(trace.rps, rule.make(), limits, model);
          figures.push(f);
          rows.push({
            trace: trace.name,
            rule: rule.name,
            's over SLO': Math.round(f.secondsOverSlo),
            'instance-min': Math.round(f.instanceMinutes),
            'max instances': f.maxInstances,
            'scale changes': f.scaleChanges,
            'worst p99 ms': Math.round(f.p99Worst),
            'dropped req': Math.round(f.droppedRequests),
          });
        }
        const [reactive, predictive] = figures as [RunFigures, RunFigures];
        const overSlo =
          reactive.secondsOverSlo === 0
            ? predictive.secondsOverSlo === 0
              ? 'both 0 s'
              : `${Math.round(predictive.secondsOverSlo)} s vs 0 s`
            : ratio(predictive.secondsOverSlo, reactive.secondsOverSlo);
        const minutes = ratio(predictive.instanceMinutes, reactive.instanceMinutes);
        const sloMet = typeof overSlo === 'number' ? overSlo <= 0.5 : overSlo === 'both 0 s';
        summary[`${trace.name}: predictive / reactive s over SLO (aim ≤ 0.5)`] = `${overSlo} ${sloMet ? 'met' : 'NOT met'}`;
        summary[`${trace.name}: predictive / reactive instance-minutes (aim ≤ 1.0)`] = `${minutes} ${minutes <= 1 ? 'met' : 'NOT met'}`;
      }
      summary['capacity per instance'] = `${capacityRps} req/s (${source})`;
    }

    if (o.parts.has('detector')) {
      progress(`detector: ${o.runs} series per fault (2 h, fault in the second hour) and ${o.runs} fault-free days each…`);
      const detectorRows = evaluateDetector(o.seed, o.runs, STEP_MS);
      tables.push({
        title: 'EwmaDetector (defaults) on noisy series with injected faults, 5 s readings',
        rows: detectorRows as unknown as Record<string, string | number>[],
      });
      // The gateway's p99 latency detector: its 20 ms floor and an hour's slow baseline (anomaly-series.ts).
      const floor = ANOMALY_SERIES.find((s) => s.name === 'latency_p99')?.minDeviation ?? 0;
      const gatewayRows = evaluateDetector(o.seed, o.runs, STEP_MS, {
        minDeviation: floor,
        drift: true,
        slowAlpha: 1 / SLOW_BASELINE_READINGS,
      }).filter((r) => r.series.startsWith('p99 latency'));
      tables.push({
        title: `EwmaDetector as the gateway runs it on p99 latency (floor ${floor} ms, slow baseline ${SLOW_BASELINE_READINGS} readings)`,
        rows: gatewayRows as unknown as Record<string, string | number>[],
      });
      const describe = (r: (typeof detectorRows)[number]) =>
        `detected ${r.detected}/${r.runs}, delay p50 ${r['delay p50 s']} s; ${r['false alarms / h (fault-free)']} false alarms per fault-free hour`;
      for (const r of detectorRows) summary[`detector, ${r.series}, ${r.fault}`] = describe(r);
      for (const r of gatewayRows) summary[`detector as the gateway runs it, ${r.series}, ${r.fault}`] = describe(r);
    }
    if (o.parts.has('live')) {
      const live = await liveRamp(o.live, progress);
      tables.push({ title: 'live ramp through the gateway, mercato up --autoscale: catalog every 5 s', rows: live.timeline });
      tables.push({ title: 'live ramp: each catalog instance added, against when the load needed it', rows: live.added });
      Object.assign(summary, live.summary);
    }
    if (rows.length === 0) rows = tables.shift()?.rows ?? [];
    return { rows, tables, summary };
  },
};
