import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../lib/api.ts';
import { formatTime } from '../../lib/order-words.ts';
import { ApiError } from '../../lib/problem.ts';
import type { OpsEvent, Page } from '../../lib/types.ts';
import { Failed } from '../../ui/status.tsx';
import { detailText, eventIsTrouble, eventKindText } from './ops-words.ts';

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
  return (
    <section aria-labelledby="events-heading">
      <h2 id="events-heading">Platform events</h2>
      {missing && !items && <p class="muted">This platform does not report its events yet.</p>}
      {error !== undefined && !missing && <Failed error={error} />}
      {!items && error === undefined && <p class="muted">Loading events…</p>}
      {items && items.length === 0 && <p class="muted">Nothing has happened yet: no alert has fired.</p>}
      {items && items.length > 0 && (
        <table class="table events-table">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col">Service</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.id}>
                <td>
                  <time dateTime={e.at}>{formatTime(e.at)}</time>
                </td>
                <td>
                  <span class={`badge ${eventIsTrouble(e.kind) ? 'badge-cancelled' : 'badge-confirmed'}`}>{eventKindText(e.kind)}</span>
                </td>
                <td>{e.service}</td>
                <td class="event-detail">{detailText(e.detail)}</td>
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
