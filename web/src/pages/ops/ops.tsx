import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../lib/api.ts';
import { formatTime } from '../../lib/order-words.ts';
import { describeError } from '../../lib/problem.ts';
import { useTitle } from '../../lib/title.ts';
import { toast } from '../../lib/toast.ts';
import type { Page } from '../../lib/types.ts';
import { StaffOnly } from '../admin/guard.tsx';
import { TimeChart } from './chart.tsx';

interface ServicesAnswer {
  services: { name: string; instances: { id: string; url: string; status: string; startedAt: string }[] }[];
}
interface MetricsAnswer {
  at: string;
  services: { name: string; instances: number; rps: number; p99Ms: number; errorRate: number }[];
  bus: { backlog: number; deadLetters: number };
}
interface DeadLetter {
  service: string;
  id: string;
  type: string;
  subject: string;
  reason: string;
  attempts: number;
  failedAt: string;
}

/** How often the console asks again, and how much history its charts keep (10 minutes). */
const POLL_MS = 3_000;
const HISTORY_POINTS = 200;

interface History {
  times: number[];
  rps: Record<string, (number | null)[]>;
  p99: Record<string, (number | null)[]>;
}

function appendHistory(history: History, metrics: MetricsAnswer): History {
  const times = [...history.times, Date.parse(metrics.at) / 1000].slice(-HISTORY_POINTS);
  const rps: History['rps'] = {};
  const p99: History['p99'] = {};
  const names = new Set([...Object.keys(history.rps), ...metrics.services.map((s) => s.name)]);
  for (const name of names) {
    const now = metrics.services.find((s) => s.name === name);
    const pad = (values: (number | null)[] | undefined) => values ?? Array.from({ length: history.times.length }, () => null);
    rps[name] = [...pad(history.rps[name]), now ? now.rps : null].slice(-HISTORY_POINTS);
    p99[name] = [...pad(history.p99[name]), now ? now.p99Ms : null].slice(-HISTORY_POINTS);
  }
  return { times, rps, p99 };
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
  const [services, setServices] = useState<ServicesAnswer>();
  const [metrics, setMetrics] = useState<MetricsAnswer>();
  const [history, setHistory] = useState<History>({ times: [], rps: {}, p99: {} });
  const [error, setError] = useState<unknown>();
  const historyRef = useRef(history);

  const poll = async () => {
    try {
      const [s, m] = await Promise.all([
        api<ServicesAnswer>('/api/ops/services', { auth: true }),
        api<MetricsAnswer>('/api/ops/metrics', { auth: true }),
      ]);
      setServices(s);
      setMetrics(m);
      historyRef.current = appendHistory(historyRef.current, m);
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
  const names = Object.keys(history.rps).sort();
  return (
    <div class="page">
      <h1>Operations</h1>
      {error !== undefined && (
        <p class="notice notice-error" role="alert">
          {describeError(error)}
        </p>
      )}
      {!services && !error && <p role="status">Loading the service map…</p>}
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
      {metrics && (
        <section aria-labelledby="bus-heading">
          <h2 id="bus-heading">Event bus</h2>
          <p>
            Backlog: <strong>{metrics.bus.backlog}</strong> events waiting · Dead letters: <strong>{metrics.bus.deadLetters}</strong>
          </p>
        </section>
      )}
      {history.times.length > 1 && (
        <section aria-labelledby="charts-heading" class="charts">
          <h2 id="charts-heading">Last minutes</h2>
          <TimeChart
            title="Requests per second"
            unit="req/s"
            times={history.times}
            series={names.map((n) => ({ name: n, values: history.rps[n] ?? [] }))}
          />
          <TimeChart
            title="p99 latency"
            unit="ms"
            times={history.times}
            series={names.map((n) => ({ name: n, values: history.p99[n] ?? [] }))}
          />
        </section>
      )}
      <section aria-labelledby="dlq-heading">
        <h2 id="dlq-heading">Dead letters</h2>
        <DeadLetters onReplayed={() => void poll()} />
      </section>
      <section aria-labelledby="planned-heading">
        <h2 id="planned-heading">Coming next</h2>
        <ul class="planned">
          <li>Traces of every order across services and the bus — not built yet.</li>
          <li>Platform events (restarts, alerts) and the autoscaler’s decisions — not built yet.</li>
        </ul>
      </section>
    </div>
  );
}

export function OpsPage() {
  useTitle('Operations');
  return (
    <StaffOnly what="see the operations console">
      <Console />
    </StaffOnly>
  );
}
