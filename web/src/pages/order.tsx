import { useEffect, useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { cart, loadCart } from '../lib/cart.ts';
import { formatTime } from '../lib/order-words.ts';
import { describeError } from '../lib/problem.ts';
import { Link } from '../lib/router.tsx';
import { useSession } from '../lib/session.ts';
import { useTitle } from '../lib/title.ts';
import { toast } from '../lib/toast.ts';
import type { Order } from '../lib/types.ts';
import { OrderDetails, StatusBadge } from '../ui/order-view.tsx';
import { Failed, Loading } from '../ui/status.tsx';
import { NotFoundPage } from './not-found.tsx';
import { SignInNeeded } from './sign-in.tsx';

/** A confirmed order the shopper asked to cancel is asked for this often until it reads cancelled. */
const FOLLOW_MS = 1_000;
/** A pending order is asked for with `?wait=`: the answer comes when it settles (or after this many seconds), then again at once. */
const WAIT_SECONDS = 5;

/** A declined payment's lines come back into the cart shortly after the order reads cancelled: follow the count until they do. */
async function followRestoredCart(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    const current = await loadCart().catch(() => undefined);
    if ((current?.itemCount ?? 0) > 0) return;
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

export function CancelButton({ order, onCancelled }: { order: Order; onCancelled: (o: Order) => void }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  if (order.status !== 'pending' && order.status !== 'confirmed') return null;
  if (!asking)
    return (
      <button type="button" class="button button-secondary" onClick={() => setAsking(true)}>
        Cancel order
      </button>
    );
  return (
    <div class="confirm" role="group" aria-label="Confirm cancellation">
      <span>Cancel this order?</span>
      <button
        type="button"
        class="button button-danger"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          try {
            onCancelled(await api<Order>(`/api/orders/${order.id}/cancel`, { method: 'POST', auth: true }));
            toast('Cancelling your order…');
          } catch (e) {
            toast(describeError(e), 'error');
          } finally {
            setBusy(false);
            setAsking(false);
          }
        }}
      >
        Yes, cancel it
      </button>
      <button type="button" class="button button-link" onClick={() => setAsking(false)}>
        Keep it
      </button>
    </div>
  );
}

export function OrderPage({ params }: { params: Record<string, string> }) {
  const id = params.id ?? '';
  const signedIn = useSession();
  const [order, setOrder] = useState<Order>();
  const [error, setError] = useState<unknown>();
  const [cancelAsked, setCancelAsked] = useState(false);
  useTitle(order ? `Order ${order.id.slice(-8)}` : 'Order');

  useEffect(() => {
    if (!signedIn) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async (wait: boolean) => {
      try {
        const next = await api<Order>(`/api/orders/${encodeURIComponent(id)}${wait ? `?wait=${WAIT_SECONDS}` : ''}`, { auth: true });
        if (stopped) return;
        setOrder(next);
        setError(undefined);
        if (next.status === 'cancelled' && (next.cancelReason === 'payment_declined' || next.cancelReason === 'payment_failed')) {
          if ((cart.get()?.itemCount ?? 0) === 0) void followRestoredCart();
        }
        const settled = next.status === 'shipped' || next.status === 'cancelled' || (next.status === 'confirmed' && !cancelAsked);
        if (settled) return;
        const pending = next.status === 'pending';
        timer = setTimeout(() => void poll(pending), pending ? 0 : FOLLOW_MS);
      } catch (e) {
        if (stopped) return;
        setError(e);
        if ((e as { status?: number }).status !== 404) timer = setTimeout(() => void poll(false), FOLLOW_MS * 3);
      }
    };
    void poll(false);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [id, signedIn, cancelAsked]);

  if (!signedIn) return <SignInNeeded what="see your order" />;
  if (!order && (error as { status?: number })?.status === 404) return <NotFoundPage />;
  if (!order && error) return <Failed error={error} />;
  if (!order) return <Loading label="Loading your order…" />;
  return (
    <div class="page">
      <nav class="breadcrumbs" aria-label="Breadcrumb">
        <ol>
          <li>
            <Link href="/orders">Orders</Link>
          </li>
          <li aria-current="page">Order {order.id.slice(-8)}</li>
        </ol>
      </nav>
      <div class="page-heading">
        <h1>
          Order {order.id.slice(-8)} <StatusBadge status={order.status} />
        </h1>
        <CancelButton
          order={order}
          onCancelled={(o) => {
            setOrder(o);
            setCancelAsked(true);
          }}
        />
      </div>
      <p class="muted">Placed {formatTime(order.createdAt)}</p>
      {order.status === 'pending' && (
        <p class="notice" role="status">
          <span class="spinner" aria-hidden="true" /> We are reserving your items and authorising your card. This takes a few seconds.
        </p>
      )}
      {order.status === 'confirmed' && (
        <p class="notice notice-good" role="status">
          Thank you! Your order is confirmed and will be shipped soon.
        </p>
      )}
      {order.status === 'cancelled' && (order.cancelReason === 'payment_declined' || order.cancelReason === 'payment_failed') && (
        <p>
          <Link href="/cart" class="button">
            Back to your cart
          </Link>
        </p>
      )}
      <OrderDetails order={order} />
    </div>
  );
}
