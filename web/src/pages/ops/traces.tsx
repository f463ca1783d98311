import { useEffect, useState } from 'preact/hooks';
import { api } from '../../lib/api.ts';
import { formatTime } from '../../lib/order-words.ts';
import { ApiError } from '../../lib/problem.ts';
import { Link, navigate, useLocation } from '../../lib/router.tsx';
import { useTitle } from '../../lib/title.ts';
import type { Trace, TraceSummary } from '../../lib/types.ts';
import { useAsync } from '../../lib/use-async.ts';
import { usePagedList } from '../../lib/use-paged-list.ts';
import { LoadMore } from '../../ui/load-more.tsx';
import { Empty, Failed, Loading } from '../../ui/status.tsx';
import { serviceColour } from './ops-words.ts';
import { formatMs } from './trace-tree.ts';
import { ErrorMark, Waterfall } from './waterfall.tsx';

type SearchBy = 'orderId' | 'requestId';
const SEARCH_LABEL: Record<SearchBy, string> = { orderId: 'Order id', requestId: 'Request id' };

/** A trace id as the API gives it out (32 lowercase hex); the API answers 400 for anything else. */
const TRACE_ID = /^[0-9a-f]{32}$/;

function ServiceNames({ names }: { names: string[] }) {
  return (
    <ul class="service-names">
      {names.map((name) => (
        <li key={name} style={{ borderColor: serviceColour(name) }}>
          {name}
        </li>
      ))}
    </ul>
  );
}

function TraceList({ path, back }: { path: string; back: string }) {
  const list = usePagedList<TraceSummary>(path, { limit: 20, auth: true });
  const { query } = useLocation();
  // Straight to the trace when an order has exactly one: the link from an order's page then opens its
  // waterfall. Its "Back to traces" asks for the list itself (`list=all`), so it does not bounce back.
  const jump = query.get('orderId') !== null && query.get('list') !== 'all';
  useEffect(() => {
    const only = list.items[0];
    if (jump && list.state === 'ready' && !list.hasMore && list.items.length === 1 && only)
      navigate(`/ops/traces/${only.traceId}?back=${encodeURIComponent(`${back}&list=all`)}`, { replace: true });
  }, [list.state, list.items.length]);
  if (list.state === 'loading') return <Loading label="Loading traces…" />;
  if (list.state === 'failed' && list.items.length === 0) return <Failed error={list.error} />;
  if (list.items.length === 0)
    return (
      <Empty title="No traces found">
        <p>Traces are kept for a limited time; an id from another platform or an older request has none here.</p>
      </Empty>
    );
  return (
    <>
      <table class="table traces-table">
        <thead>
          <tr>
            <th scope="col">Trace</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
            <th scope="col">Services</th>
            <th scope="col">Spans</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {list.items.map((t) => (
            <tr key={t.traceId} class={t.error ? 'row-error' : undefined}>
              <td>
                <Link href={`/ops/traces/${t.traceId}?back=${encodeURIComponent(back)}`}>{t.name}</Link>
              </td>
              <td>
                <time dateTime={t.startedAt}>{new Date(t.startedAt).toLocaleTimeString()}</time>
              </td>
              <td class="numeric">{formatMs(t.durationMs)}</td>
              <td>
                <ServiceNames names={t.services} />
              </td>
              <td class="numeric">{t.spanCount}</td>
              <td>{t.error ? <ErrorMark /> : 'OK'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <LoadMore list={list} />
    </>
  );
}

/** `/ops/traces`: the newest traces, or those of one order or one request (`?orderId=`, `?requestId=`). */
export function TracesPage() {
  useTitle('Ops · Traces');
  const { path, query } = useLocation();
  const active: SearchBy | undefined =
    query.get('orderId') !== null ? 'orderId' : query.get('requestId') !== null ? 'requestId' : undefined;
  const activeValue = active ? (query.get(active) ?? '') : '';
  const [by, setBy] = useState<SearchBy>(active ?? 'orderId');
  const [value, setValue] = useState(activeValue);
  useEffect(() => {
    setBy(active ?? 'orderId');
    setValue(activeValue);
  }, [active, activeValue]);
  const [round, setRound] = useState(0);
  const apiPath = active ? `/api/ops/traces?${active}=${encodeURIComponent(activeValue)}` : '/api/ops/traces';
  return (
    <section>
      <div class="page-heading">
        <h1>Traces</h1>
        <button type="button" class="button button-secondary" onClick={() => setRound(round + 1)}>
          Refresh
        </button>
      </div>
      <form
        role="search"
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          const id = value.trim();
          navigate(id ? `/ops/traces?${by}=${encodeURIComponent(id)}` : '/ops/traces');
        }}
      >
        <div class="field">
          <label for="trace-search-by">Search by</label>
          <select id="trace-search-by" value={by} onChange={(e) => setBy(e.currentTarget.value as SearchBy)}>
            <option value="orderId">{SEARCH_LABEL.orderId}</option>
            <option value="requestId">{SEARCH_LABEL.requestId}</option>
          </select>
        </div>
        <div class="field">
          <label for="trace-search-id">{SEARCH_LABEL[by]}</label>
          <input id="trace-search-id" type="search" maxLength={200} value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        </div>
        <button type="submit" class="button button-secondary">
          Find traces
        </button>
      </form>
      <p class="muted">
        {active ? (
          <>
            Traces of {active === 'orderId' ? 'order' : 'request'} <span class="mono">{activeValue}</span>, newest first ·{' '}
            <Link href="/ops/traces">Show the newest of all</Link>
            {active === 'orderId' && (
              <>
                {' '}
                · <Link href={`/admin/orders/${encodeURIComponent(activeValue)}`}>Open the order</Link>
              </>
            )}
          </>
        ) : (
          'The newest traces across the platform, newest first.'
        )}
      </p>
      <TraceList key={`${apiPath}#${round}`} path={apiPath} back={path + (active ? `?${active}=${encodeURIComponent(activeValue)}` : '')} />
    </section>
  );
}

/** Where "Back to traces" leads: the list this trace was opened from, when it was one of ours. */
function backLink(back: string | null): string {
  return back?.startsWith('/ops/traces') ? back : '/ops/traces';
}

/** An attribute naming the order a trace served, so the page can link to it. */
function orderOf(trace: Trace): string | undefined {
  for (const span of trace.spans)
    for (const [key, value] of Object.entries(span.attributes ?? {}))
      if (/^(mercato\.)?order[._]?id$/i.test(key) && typeof value === 'string' && value) return value;
  return undefined;
}

/** `/ops/traces/{traceId}`: one trace's spans as a waterfall. */
export function TracePage({ traceId }: { traceId: string }) {
  useTitle(`Ops · Trace ${traceId.slice(0, 8)}`);
  const { query } = useLocation();
  const valid = TRACE_ID.test(traceId);
  const [loaded, reload] = useAsync(
    (signal) => (valid ? api<Trace>(`/api/ops/traces/${traceId}`, { signal, auth: true }) : Promise.resolve(undefined)),
    [traceId],
  );
  const back = (
    <p>
      <Link href={backLink(query.get('back'))}>← Back to traces</Link>
    </p>
  );
  if (!valid)
    return (
      <section>
        {back}
        <Empty title="That is not a trace id">
          <p>A trace id is 32 characters, 0–9 and a–f.</p>
        </Empty>
      </section>
    );
  if (loaded.state === 'loading') return <Loading label="Loading the trace…" />;
  if (loaded.state === 'failed')
    return (
      <section>
        {back}
        {loaded.error instanceof ApiError && loaded.error.status === 404 ? (
          <Empty title="No such trace">
            <p>It may be older than the traces the platform keeps, or its spans were not recorded.</p>
          </Empty>
        ) : (
          <Failed error={loaded.error} retry={reload} />
        )}
      </section>
    );
  const trace = loaded.value;
  if (!trace) return null;
  const spans = trace.spans;
  const first = spans[0];
  const services = [...new Set(spans.map((s) => s.service))];
  const errors = spans.filter((s) => s.status === 'error').length;
  const starts = spans.map((s) => Date.parse(s.startedAt));
  const totalMs = spans.length > 0 ? Math.max(...spans.map((s, i) => (starts[i] ?? 0) + s.durationMs)) - Math.min(...starts) : 0;
  const root = spans.find((s) => s.parentSpanId === null) ?? first;
  const order = orderOf(trace);
  return (
    <section>
      {back}
      <h1>
        Trace <span class="mono">{trace.traceId}</span>
      </h1>
      {root && <p class="trace-name">{root.name}</p>}
      <dl class="trace-facts">
        <div>
          <dt>Started</dt>
          <dd>{first ? formatTime(first.startedAt) : '—'}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{formatMs(totalMs)}</dd>
        </div>
        <div>
          <dt>Spans</dt>
          <dd>{spans.length}</dd>
        </div>
        <div>
          <dt>Services</dt>
          <dd>{services.length}</dd>
        </div>
        <div>
          <dt>Errors</dt>
          <dd>{errors > 0 ? <strong class="text-bad">{errors}</strong> : 'none'}</dd>
        </div>
        {order && (
          <div>
            <dt>Order</dt>
            <dd>
              <Link href={`/admin/orders/${encodeURIComponent(order)}`}>{order.slice(-8)}</Link>
            </dd>
          </div>
        )}
      </dl>
      {spans.length === 0 ? (
        <Empty title="This trace has no spans kept" />
      ) : (
        <>
          <h2 id="legend-heading" class="visually-hidden">
            Services in this trace
          </h2>
          <ServiceNames names={services} />
          <h2 id="waterfall-heading">Spans</h2>
          <p class="muted">Select a span to see its attributes. Up and down arrows move between spans.</p>
          <Waterfall spans={spans} />
        </>
      )}
    </section>
  );
}
