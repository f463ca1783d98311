import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../lib/api.ts';
import { formatTime } from '../../lib/order-words.ts';
import { describeError } from '../../lib/problem.ts';
import { Link, matchPath, useLocation } from '../../lib/router.tsx';
import { useTitle } from '../../lib/title.ts';
import { toast } from '../../lib/toast.ts';
import type { DeadLetter, OpsMetrics, OpsServices, Page } from '../../lib/types.ts';
import { StaffOnly } from '../admin/guard.tsx';
import { BusinessSection } from './business.tsx';
import { TimeChart } from './chart.tsx';
import { EventsSection } from './events.tsx';
import { appendSample, EMPTY_HISTORY, type MetricsHistory, sampleOf, seriesUnder } from './metrics-history.ts';
import { ScalingPage } from './scaling.tsx';
import { ServiceMapSection } from './service-map.tsx';
import { TracePage, TracesPage } from './traces.tsx';
import './ops.css';

/** How often the console asks again (its charts keep HISTORY_POINTS polls: 10 minutes). */
const POLL_MS = 3_000;

/** The charts' history outlives the console while its chunk is loaded: a look at a trace and back does not empty them. */
let keptHistory: MetricsHistory = EMPTY_HISTORY;

/** `94 s`, `12 min`: how long the oldest waiting thing has waited. */
function formatAge(seconds: number): string {
  if (seconds < 120) return `${seconds.toFixed(0)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(0)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function DeadLetters({ onReplayed }: { onReplayed: () => void }) {
  const [page, setPage] = useState<Page<DeadLetter>>();
  const [error, setError] = useState<unknown>();
  const load = () =>
    api<Page<DeadLetter>>('/api/ops/dead-letters?limit=50', { auth: true }).then(
      (p) => {
        setPage(p);
        setError(undefined);
      },
      (e: unknown) => setError(e),
    );
  useEffect(() => {
    void load();
    const timer = setInterval(load, POLL_MS * 3);
    return () => clearInterval(timer);
  }, []);
  if (error) return <p class="notice notice-error">{describeError(error)}</p>;
  if (!page) return <p class="muted">Loading dead letters…</p>;
  if (page.items.length === 0) return <p class="muted">No dead letters: every event was handled.</p>;
  return (
    <table class="table">
      <thead>
        <tr>
          <th scope="col">Service</th>
          <th scope="col">Event</th>
          <th scope="col">Reason</th>
          <th scope="col">Attempts</th>
          <th scope="col">Failed</th>
          <th scope="col">
            <span class="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {page.items.map((d) => (
          <tr key={`${d.service}-${d.id}`}>
            <td>{d.service}</td>
            <td>{d.type}</td>
            <td>{d.reason}</td>
            <td>{d.attempts}</td>
            <td>{formatTime(d.failedAt)}</td>
            <td>
              <button
                type="button"
                class="button button-secondary"
                onClick={async () => {
                  try {
                    await api(`/api/ops/dead-letters/${d.service}/${d.id}/replay`, { method: 'POST', auth: true });
                    toast(`Replaying ${d.type} in ${d.service}`, 'success');
                    await load();
                    onReplayed();
                  } catch (e) {
                    toast(describeError(e), 'error');
                  }
                }}
              >
                Replay <span class="visually-hidden">{`${d.type} in ${d.service}`}</span>
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Console() {
  useTitle('Operations');
  const [services, setServices] = useState<OpsServices>();
  const [metrics, setMetrics] = useState<OpsMetrics>();
  const [history, setHistory] = useState<MetricsHistory>(keptHistory);
  const [error, setError] = useState<unknown>();
  const historyRef = useRef(history);

  const poll = async () => {
    try {
      const [s, m] = await Promise.all([
        api<OpsServices>('/api/ops/services', { auth: true }),
        api<OpsMetrics>('/api/ops/metrics', { auth: true }),
      ]);
      setServices(s);
      setMetrics(m);
      historyRef.current = appendSample(historyRef.current, Date.parse(m.at) / 1000, sampleOf(m));
      keptHistory = historyRef.current;
      setHistory(historyRef.current);
      setError(undefined);
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => {
    void poll();
    const timer = setInterval(poll, POLL_MS);
    return () => clearInterval(timer);
  }, []);

  const figures = new Map(metrics?.services.map((s) => [s.name, s]) ?? []);
  const down = new Set(services?.services.filter((s) => s.instances.length === 0).map((s) => s.name) ?? []);
  return (
    <>
      <h1>Operations</h1>
      {error !== undefined && (
        <p class="notice notice-error" role="alert">
          {describeError(error)}
        </p>
      )}
      {!services && !error && <p role="status">Loading the services…</p>}
      {services && (
        <section aria-labelledby="map-heading">
          <h2 id="map-heading">Services</h2>
          <p class="muted">
            Live: refreshed every {POLL_MS / 1000} seconds{metrics ? `, last at ${new Date(metrics.at).toLocaleTimeString()}` : ''}.
          </p>
          <ul class="service-map">
            {services.services.map((s) => {
              const f = figures.get(s.name);
              const healthy = s.instances.length > 0;
              return (
                <li
                  key={s.name}
                  class={`service-tile ${healthy ? 'healthy' : 'down'}`}
                  aria-label={`${s.name}: ${healthy ? 'healthy' : 'no healthy instance'}`}
                >
                  <h3>{s.name}</h3>
                  <p class="service-health">
                    <span class="dot" aria-hidden="true" />
                    {s.instances.length} {s.instances.length === 1 ? 'instance' : 'instances'} {healthy ? 'healthy' : '— down'}
                  </p>
                  <dl class="service-figures">
                    <div>
                      <dt>req/s</dt>
                      <dd>{f ? f.rps.toFixed(1) : '–'}</dd>
                    </div>
                    <div>
                      <dt>p99</dt>
                      <dd>{f ? `${f.p99Ms.toFixed(0)} ms` : '–'}</dd>
                    </div>
                    <div>
                      <dt>errors</dt>
                      <dd>{f ? `${(f.errorRate * 100).toFixed(1)}%` : '–'}</dd>
                    </div>
                  </dl>
                </li>
              );
            })}
          </ul>
        </section>
      )}
      <ServiceMapSection down={down} />
      {history.times.length > 1 && (
        <section aria-labelledby="charts-heading" class="charts">
          <h2 id="charts-heading">Traffic</h2>
          <TimeChart title="Requests per second" unit="req/s" times={history.times} series={seriesUnder(history, 'rps/')} />
          <TimeChart title="p99 latency" unit="ms" times={history.times} series={seriesUnder(history, 'p99/')} />
        </section>
      )}
      {metrics && <BusinessSection business={metrics.business} history={history} />}
      {metrics && (
        <section aria-labelledby="bus-heading">
          <h2 id="bus-heading">Event bus</h2>
          <p>
            Backlog: <strong>{metrics.bus.backlog}</strong> events waiting · Dead letters: <strong>{metrics.bus.deadLetters}</strong>
            {metrics.bus.oldestOutboxAgeSeconds !== undefined && (
              <>
                {' '}
                · Oldest unpublished event:{' '}
                <strong>{metrics.bus.oldestOutboxAgeSeconds > 0 ? formatAge(metrics.bus.oldestOutboxAgeSeconds) : 'none'}</strong>
              </>
            )}
            {metrics.bus.sagaOldestStepAgeSeconds !== undefined && (
              <>
                {' '}
                · Oldest open saga step:{' '}
                <strong>{metrics.bus.sagaOldestStepAgeSeconds > 0 ? formatAge(metrics.bus.sagaOldestStepAgeSeconds) : 'none'}</strong>
              </>
            )}
          </p>
        </section>
      )}
      <EventsSection />
      <section aria-labelledby="dlq-heading">
        <h2 id="dlq-heading">Dead letters</h2>
        <DeadLetters onReplayed={() => void poll()} />
      </section>
      <section aria-labelledby="scaling-heading">
        <h2 id="scaling-heading">Scaling</h2>
        <p>
          Each service’s instances, the autoscaler’s decisions and its load forecast are on the <Link href="/ops/scaling">Scaling</Link>{' '}
          page.
        </p>
      </section>
    </>
  );
}

const TABS: [string, string][] = [
  ['/ops', 'Console'],
  ['/ops/scaling', 'Scaling'],
  ['/ops/traces', 'Traces'],
];

function OpsContent({ path }: { path: string }) {
  if (path === '/ops' || path === '/ops/') return <Console />;
  if (path === '/ops/scaling' || path === '/ops/scaling/') return <ScalingPage />;
  if (path === '/ops/traces' || path === '/ops/traces/') return <TracesPage />;
  const trace = matchPath('/ops/traces/:traceId', path);
  if (trace?.traceId) return <TracePage traceId={trace.traceId} />;
  return (
    <div>
      <h1>Page not found</h1>
      <p>There is no such operations page.</p>
    </div>
  );
}

/** `/ops` (the console), `/ops/scaling`, `/ops/traces` and `/ops/traces/{traceId}`: one lazy chunk with uPlot, which shoppers never load. */
export function OpsPage() {
  const { path } = useLocation();
  return (
    <StaffOnly what="see the operations console">
      <div class="page">
        <nav class="tabs" aria-label="Operations sections">
          <ul>
            {TABS.map(([href, label]) => {
              const active = href === '/ops' ? path === '/ops' || path === '/ops/' : path.startsWith(href);
              return (
                <li key={href}>
                  <Link href={href} aria-current={active ? 'page' : undefined}>
                    {label}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
        <OpsContent path={path} />
      </div>
    </StaffOnly>
  );
}
