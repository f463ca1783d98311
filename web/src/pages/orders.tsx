import { formatTime } from '../lib/order-words.ts';
import { Link } from '../lib/router.tsx';
import { useSession } from '../lib/session.ts';
import { useTitle } from '../lib/title.ts';
import type { Order } from '../lib/types.ts';
import { usePagedList } from '../lib/use-paged-list.ts';
import { LoadMore } from '../ui/load-more.tsx';
import { Price } from '../ui/money.tsx';
import { StatusBadge } from '../ui/order-view.tsx';
import { Empty, Failed, Loading } from '../ui/status.tsx';
import { SignInNeeded } from './sign-in.tsx';

/** A list of orders with "Load more": the shopper's own, or (staff) everyone's. */
export function OrderTable({ path, linkFor }: { path: string; linkFor: (o: Order) => string }) {
  const list = usePagedList<Order>(path, { limit: 20, auth: true });
  const orders = list.items;
  if (list.state === 'loading') return <Loading label="Loading orders…" />;
  if (list.state === 'failed' && orders.length === 0) return <Failed error={list.error} />;
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
      <LoadMore list={list} />
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
