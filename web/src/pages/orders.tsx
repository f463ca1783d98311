import { useEffect, useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { formatTime } from '../lib/order-words.ts';
import { Link } from '../lib/router.tsx';
import { useSession } from '../lib/session.ts';
import { useTitle } from '../lib/title.ts';
import type { Order, Page } from '../lib/types.ts';
import { Price } from '../ui/money.tsx';
import { StatusBadge } from '../ui/order-view.tsx';
import { Empty, Failed, Loading } from '../ui/status.tsx';
import { SignInNeeded } from './sign-in.tsx';

/** A list of orders with "Load more": the shopper's own, or (staff) everyone's. */
export function OrderTable({ path, linkFor }: { path: string; linkFor: (o: Order) => string }) {
  const [orders, setOrders] = useState<Order[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [state, setState] = useState<'loading' | 'ready' | 'failed' | 'more'>('loading');
  const [error, setError] = useState<unknown>();
  const load = async (after: string | null) => {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api<Page<Order>>(`${path}${sep}limit=20${after ? `&cursor=${encodeURIComponent(after)}` : ''}`, { auth: true });
    setOrders((before) => (after ? [...before, ...page.items] : page.items));
    setCursor(page.nextCursor);
    setState('ready');
  };
  useEffect(() => {
    setState('loading');
    load(null).catch((e: unknown) => {
      setError(e);
      setState('failed');
    });
  }, [path]);
  if (state === 'loading') return <Loading label="Loading orders…" />;
  if (state === 'failed' && orders.length === 0) return <Failed error={error} />;
  if (orders.length === 0) return <Empty title="No orders yet" />;
  return (
    <>
      <table class="table orders-table">
        <thead>
          <tr>
            <th scope="col">Order</th>
            <th scope="col">Placed</th>
            <th scope="col">Items</th>
            <th scope="col">Total</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {orders.map((o) => (
            <tr key={o.id}>
              <td>
                <Link href={linkFor(o)}>Order {o.id.slice(-8)}</Link>
              </td>
              <td>{formatTime(o.createdAt)}</td>
              <td>{o.lines.reduce((n, l) => n + l.quantity, 0)}</td>
              <td>
                <Price money={o.total} />
              </td>
              <td>
                <StatusBadge status={o.status} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {cursor && (
        <div class="load-more">
          <button
            type="button"
            class="button button-secondary"
            disabled={state === 'more'}
            onClick={() => {
              setState('more');
              load(cursor).catch((e: unknown) => {
                setError(e);
                setState('failed');
              });
            }}
          >
            Load more
          </button>
        </div>
      )}
    </>
  );
}

export function OrdersPage() {
  useTitle('Your orders');
  const signedIn = useSession();
  if (!signedIn) return <SignInNeeded what="see your orders" />;
  return (
    <div class="page">
      <h1>Your orders</h1>
      <OrderTable path="/api/orders" linkFor={(o) => `/orders/${o.id}`} />
    </div>
  );
}
