import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../lib/api.ts';
import { formatTime } from '../../lib/order-words.ts';
import { ApiError } from '../../lib/problem.ts';
import type { OpsEvent, Page } from '../../lib/types.ts';
import { Failed } from '../../ui/status.tsx';
import { eventIsTrouble, eventKindText, eventSentence, KNOWN_EVENT_KINDS } from './ops-words.ts';

const EVENTS_POLL_MS = 10_000;
const PAGE_SIZE = 20;

/**
 * The newest events first, asked for again every 10 s; older pages come with "Load more". A fresh
 * first page is laid over what is shown, so pages already loaded stay (events are only ever added).
 */
export function EventsSection() {
  const [items, setItems] = useState<OpsEvent[]>();
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const [more, setMore] = useState(false);
  const [kind, setKind] = useState('');
  const extended = useRef(false);

  useEffect(() => {
    let stopped = false;
    const load = () =>
      api<Page<OpsEvent>>(`/api/ops/events?limit=${PAGE_SIZE}`, { auth: true }).then(
        (page) => {
          if (stopped) return;
          setItems((shown) => {
            if (!extended.current || !shown) return page.items;
            const fresh = new Set(page.items.map((e) => e.id));
            return [...page.items, ...shown.filter((e) => !fresh.has(e.id))];
          });
          if (!extended.current) setCursor(page.nextCursor);
          setError(undefined);
        },
        (e: unknown) => !stopped && setError(e),
      );
    void load();
    const timer = setInterval(load, EVENTS_POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);

  const loadMore = async () => {
    if (!cursor) return;
    setMore(true);
    try {
      const page = await api<Page<OpsEvent>>(`/api/ops/events?limit=${PAGE_SIZE}&cursor=${encodeURIComponent(cursor)}`, { auth: true });
      extended.current = true;
      setItems((shown) => {
        const have = new Set((shown ?? []).map((e) => e.id));
        return [...(shown ?? []), ...page.items.filter((e) => !have.has(e.id))];
      });
      setCursor(page.nextCursor);
    } catch (e) {
      setError(e);
    } finally {
      setMore(false);
    }
  };

  const missing = error instanceof ApiError && error.status === 404;
  const counts = new Map<string, number>();
  for (const e of items ?? []) counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
  const kinds = [...KNOWN_EVENT_KINDS, ...[...counts.keys()].filter((k) => !KNOWN_EVENT_KINDS.includes(k)).sort()];
  const shown = kind === '' ? items : items?.filter((e) => e.kind === kind);
  return (
    <section aria-labelledby="events-heading">
      <h2 id="events-heading">Platform events</h2>
      <p class="muted">Restarts, crash loops, scaling, anomalies, alerts and replays: what the platform did or noticed by itself.</p>
      {missing && !items && <p class="muted">This platform does not report its events yet.</p>}
      {error !== undefined && !missing && <Failed error={error} />}
      {!items && error === undefined && <p class="muted">Loading events…</p>}
      {items && items.length === 0 && <p class="muted">Nothing has happened yet: no restart, no scaling, no alert.</p>}
      {items && items.length > 0 && (
        <div class="field field-inline events-filter">
          <label for="events-kind">Show</label>
          <select id="events-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
            <option value="">Every kind ({items.length})</option>
            {kinds.map((k) => (
              <option key={k} value={k}>
                {eventKindText(k)} ({counts.get(k) ?? 0})
              </option>
            ))}
          </select>
        </div>
      )}
      {shown && items && items.length > 0 && shown.length === 0 && (
        <p class="muted" role="status">
          No “{eventKindText(kind).toLowerCase()}” event among the {items.length} loaded{cursor ? '; load more to look further back' : ''}.
        </p>
      )}
      {shown && shown.length > 0 && (
        <table class="table events-table">
          <caption class="visually-hidden">
            {kind === '' ? 'Platform events, newest first' : `Platform events of kind ${eventKindText(kind).toLowerCase()}, newest first`}
          </caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col">Service</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((e) => (
              <tr key={e.id} data-kind={e.kind}>
                <td>
                  <time dateTime={e.at}>{formatTime(e.at)}</time>
                </td>
                <td>
                  <span class={`badge ${eventIsTrouble(e.kind) ? 'badge-cancelled' : 'badge-confirmed'}`}>{eventKindText(e.kind)}</span>
                </td>
                <td>{e.service}</td>
                <td class="event-detail">{eventSentence(e)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {items && cursor && (
        <div class="load-more">
          <button type="button" class="button button-secondary" disabled={more} onClick={() => void loadMore()}>
            {more ? 'Loading…' : 'Load more events'}
          </button>
        </div>
      )}
    </section>
  );
}
