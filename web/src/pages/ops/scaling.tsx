import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { api } from '../../lib/api.ts';
import { formatTime } from '../../lib/order-words.ts';
import { ApiError } from '../../lib/problem.ts';
import { useTitle } from '../../lib/title.ts';
import type { OpsMetrics, OpsScaling, ServiceScaling } from '../../lib/types.ts';
import { Failed } from '../../ui/status.tsx';
import {
  appendScaling,
  EMPTY_SCALING_HISTORY,
  type ScalingChartData,
  type ScalingHistory,
  scalingChartData,
  scalingSummary,
} from './scaling-history.ts';

/** The autoscaler decides once per step (5 s by default): asking more often shows nothing new. */
const SCALING_POLL_MS = 5_000;

/** The history outlives the page while the console's chunk is loaded: a look at a trace and back does not empty it. */
let keptHistory: ScalingHistory = EMPTY_SCALING_HISTORY;

/** Instances and desired on the left axis (whole instances), requests per second seen and forecast on the right. */
const COLOURS = { instances: '#1f5fa8', desired: '#b4451f', rps: '#2f7d32', forecast: '#7b3fa0' };

function ScalingChart({ data, title, summary }: { data: ScalingChartData; title: string; summary: string }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const now = useRef(data.now);
  now.current = data.now;
  // Desired is drawn first and wider, so instances (solid, on top) stay visible where the two agree.
  const aligned = [data.times, data.desired, data.instances, data.rps, data.forecast] as uPlot.AlignedData;

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const widthOf = () => Math.max(280, element.clientWidth - 24);
    const stepped = uPlot.paths.stepped?.({ align: 1 });
    const options: uPlot.Options = {
      title,
      width: widthOf(),
      height: 220,
      scales: {
        x: { time: true },
        n: { range: (_u, _min, max) => [0, Math.max(2, Math.ceil(max) + 1)] },
        rps: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] },
      },
      axes: [
        {},
        { scale: 'n', label: 'instances', size: 50, incrs: [1, 2, 5, 10, 20, 50] },
        { scale: 'rps', label: 'req/s', side: 1, size: 60, grid: { show: false } },
      ],
      series: [
        {},
        { label: 'desired', scale: 'n', stroke: COLOURS.desired, width: 4, dash: [6, 4], paths: stepped, spanGaps: false },
        { label: 'instances', scale: 'n', stroke: COLOURS.instances, width: 2, paths: stepped, spanGaps: false },
        { label: 'req/s seen', scale: 'rps', stroke: COLOURS.rps, width: 1.5, spanGaps: true },
        { label: 'req/s forecast', scale: 'rps', stroke: COLOURS.forecast, width: 2, dash: [3, 3], spanGaps: true },
      ],
      hooks: {
        // A vertical line at the last poll: the history left of it, the forecast right of it.
        draw: [
          (u) => {
            const at = now.current;
            if (at === undefined) return;
            const x = Math.round(u.valToPos(at, 'x', true));
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
            const ctx = u.ctx;
            ctx.save();
            ctx.strokeStyle = '#4a4a4a';
            ctx.setLineDash([2, 4]);
            ctx.lineWidth = 1;
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
            ctx.fillStyle = '#4a4a4a';
            ctx.font = `${12 * devicePixelRatio}px sans-serif`;
            // Left of the line when the forecast leaves no room right of it (the right axis' numbers are there).
            const label = ctx.measureText('now').width;
            const right = x + 4 + label < u.bbox.left + u.bbox.width;
            ctx.fillText('now', right ? x + 4 : x - 4 - label, u.bbox.top + 14 * devicePixelRatio);
            ctx.restore();
          },
        ],
      },
    };
    plot.current = new uPlot(options, aligned, element);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: widthOf(), height: 220 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = undefined;
    };
  }, [title]);

  useEffect(() => {
    plot.current?.setData(aligned);
  }, [data]);

  return (
    <figure class="scaling-figure">
      <div ref={host} class="chart" role="img" aria-label={`${title}: ${summary}`} />
      <figcaption class="muted">{summary}</figcaption>
    </figure>
  );
}

function ScalingTable({ services }: { services: ServiceScaling[] }) {
  return (
    <table class="table scaling-table">
      <caption class="visually-hidden">Each service’s instances and the autoscaler’s last decision</caption>
      <thead>
        <tr>
          <th scope="col">Service</th>
          <th scope="col" class="numeric">
            Instances
          </th>
          <th scope="col" class="numeric">
            Desired
          </th>
          <th scope="col">Min–max</th>
          <th scope="col">Reason</th>
          <th scope="col">Decided at</th>
        </tr>
      </thead>
      <tbody>
        {services.map((s) => (
          <tr key={s.name} data-service={s.name}>
            <th scope="row">{s.name}</th>
            <td class="numeric">{s.instances}</td>
            <td class="numeric">
              {s.desired}
              {s.desired !== s.instances && (
                <span class="scaling-change"> ({s.desired > s.instances ? `+${s.desired - s.instances}` : s.desired - s.instances})</span>
              )}
            </td>
            <td>
              {s.min}–{s.max}
            </td>
            <td class="event-detail">{s.reason}</td>
            <td>
              <time dateTime={s.decidedAt}>{formatTime(s.decidedAt)}</time>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * `/ops/scaling`: each service's instances against what the autoscaler wants, why, and its load
 * forecast. Polled every 5 s; the charts show what this page has seen and the forecast past now.
 */
export function ScalingPage() {
  useTitle('Scaling');
  const [scaling, setScaling] = useState<OpsScaling>();
  const [history, setHistory] = useState<ScalingHistory>(keptHistory);
  const [error, setError] = useState<unknown>();
  const historyRef = useRef(history);

  useEffect(() => {
    let stopped = false;
    const poll = async () => {
      // The observed load is for the charts only: the page still shows the decisions without it.
      const [s, m] = await Promise.allSettled([
        api<OpsScaling>('/api/ops/scaling', { auth: true }),
        api<OpsMetrics>('/api/ops/metrics', { auth: true }),
      ]);
      if (stopped) return;
      if (s.status === 'rejected') {
        setError(s.reason);
        return;
      }
      const metrics = m.status === 'fulfilled' ? m.value : undefined;
      const at = metrics ? Date.parse(metrics.at) / 1000 : Date.now() / 1000;
      historyRef.current = appendScaling(historyRef.current, at, s.value, metrics);
      keptHistory = historyRef.current;
      setHistory(historyRef.current);
      setScaling(s.value);
      setError(undefined);
    };
    void poll();
    const timer = setInterval(poll, SCALING_POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);

  const missing = error instanceof ApiError && error.status === 404;
  // The gateway's answer when its control loop is configured but silent (services/gateway ops-scaling.routes.ts).
  const unreachable = scaling?.services.some((s) => s.reason === 'control loop unreachable') ?? false;
  return (
    <>
      <h1>Scaling</h1>
      <p class="muted">
        Live: refreshed every {SCALING_POLL_MS / 1000} seconds
        {history.times.length > 0 ? `, last at ${new Date((history.times.at(-1) ?? 0) * 1000).toLocaleTimeString()}` : ''}.
      </p>
      {missing && !scaling && <p class="muted">This platform does not report its scaling yet.</p>}
      {error !== undefined && !missing && <Failed error={error} />}
      {!scaling && error === undefined && <p role="status">Loading the scaling state…</p>}
      {scaling && !scaling.autoscaling && unreachable && (
        <div class="notice notice-error" role="note">
          <p>
            The autoscaler does not answer: the table shows each service’s instances as the gateway sees them, nothing decided. Is
            MERCATO_CONTROL_URL right, and is the control loop running?
          </p>
        </div>
      )}
      {scaling && !scaling.autoscaling && !unreachable && (
        <div class="notice scaling-off" role="note">
          <p>
            Autoscaling is off; start with <code>mercato up --autoscale</code>. Each service keeps the instances it started with.
          </p>
        </div>
      )}
      {scaling && (
        <section aria-labelledby="decisions-heading">
          <h2 id="decisions-heading">Decisions</h2>
          <ScalingTable services={scaling.services} />
        </section>
      )}
      {scaling && (
        <section aria-labelledby="scaling-charts-heading">
          <h2 id="scaling-charts-heading">Over time</h2>
          <p class="muted">
            Instances and desired count (left axis) since this page opened; requests per second seen and forecast (right axis), the forecast
            continuing past now.
          </p>
          {history.times.length < 2 && scaling.services.every((s) => s.forecast.length === 0) ? (
            <p class="muted">The charts draw from the second poll on.</p>
          ) : (
            <div class="charts charts-pair">
              {scaling.services.map((s) => (
                <ScalingChart key={s.name} title={s.name} data={scalingChartData(history, s)} summary={scalingSummary(s, history)} />
              ))}
            </div>
          )}
        </section>
      )}
    </>
  );
}
