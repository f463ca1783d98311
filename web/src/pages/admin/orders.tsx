import { useState } from 'preact/hooks';
import { api } from '../../lib/api.ts';
import { formatMoney } from '../../lib/money.ts';
import { formatTime, paymentText, STATUS_LABEL } from '../../lib/order-words.ts';
import { ApiError, describeError } from '../../lib/problem.ts';
import { Link, navigate, useLocation } from '../../lib/router.tsx';
import { useTitle } from '../../lib/title.ts';
import { toast } from '../../lib/toast.ts';
import type { Money, Order } from '../../lib/types.ts';
import { useAsync } from '../../lib/use-async.ts';
import { Field } from '../../ui/field.tsx';
import { OrderDetails, StatusBadge } from '../../ui/order-view.tsx';
import { Failed, Loading } from '../../ui/status.tsx';
import { CancelButton } from '../order.tsx';
import { OrderTable } from '../orders.tsx';

const STATUSES = ['', 'pending', 'confirmed', 'shipped', 'cancelled'] as const;

export function AdminOrdersPage() {
  useTitle('Admin · Orders');
  const { query } = useLocation();
  const status = query.get('status') ?? '';
  return (
    <section>
      <div class="page-heading">
        <h1>Orders</h1>
        <div class="field field-inline">
          <label for="status-filter">Status</label>
          <select
            id="status-filter"
            value={status}
            onChange={(e) =>
              navigate(e.currentTarget.value ? `/admin/orders?status=${e.currentTarget.value}` : '/admin/orders', { replace: true })
            }
          >
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s ? STATUS_LABEL[s] : 'All'}
              </option>
            ))}
          </select>
        </div>
      </div>
      <OrderTable path={status ? `/api/admin/orders?status=${status}` : '/api/admin/orders'} linkFor={(o) => `/admin/orders/${o.id}`} />
    </section>
  );
}

interface PaymentView {
  status: string;
  amount: Money;
  brand?: string;
  last4?: string;
  ledger: { kind: string; amount: Money; at: string }[];
}

function ShipForm({ order, onShipped }: { order: Order; onShipped: (o: Order) => void }) {
  const [carrier, setCarrier] = useState('');
  const [trackingNumber, setTrackingNumber] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  if (order.status !== 'confirmed') return null;
  return (
    <form
      class="form-card"
      noValidate
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setErrors({});
        try {
          const shipped = await api<Order>(`/api/admin/orders/${order.id}/ship`, {
            method: 'POST',
            auth: true,
            body: { carrier: carrier.trim(), trackingNumber: trackingNumber.trim() },
          });
          onShipped(shipped);
          toast('The order is shipped', 'success');
        } catch (err) {
          if (err instanceof ApiError && err.errors.length > 0) setErrors(err.fieldErrors());
          else toast(describeError(err), 'error');
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2>Ship this order</h2>
      <div class="field-row">
        <Field
          label="Carrier"
          required
          maxLength={100}
          value={carrier}
          error={errors.carrier}
          onInput={(e) => setCarrier(e.currentTarget.value)}
        />
        <Field
          label="Tracking number"
          required
          maxLength={100}
          value={trackingNumber}
          error={errors.trackingNumber}
          onInput={(e) => setTrackingNumber(e.currentTarget.value)}
        />
      </div>
      <button type="submit" class="button" disabled={busy}>
        {busy ? 'Shipping…' : 'Mark as shipped'}
      </button>
    </form>
  );
}

export function AdminOrderPage({ id }: { id: string }) {
  const [loaded, reload] = useAsync((signal) => api<Order>(`/api/orders/${encodeURIComponent(id)}`, { signal, auth: true }), [id]);
  const [payment] = useAsync(
    (signal) => api<PaymentView>(`/api/admin/payments/${encodeURIComponent(id)}`, { signal, auth: true }).catch(() => undefined),
    [id, loaded.state === 'ready' ? loaded.value.updatedAt : ''],
  );
  const [changed, setChanged] = useState<Order>();
  useTitle(`Admin · Order ${id.slice(-8)}`);
  if (loaded.state === 'loading') return <Loading />;
  if (loaded.state === 'failed') return <Failed error={loaded.error} retry={reload} />;
  const order = changed && changed.updatedAt >= loaded.value.updatedAt ? changed : loaded.value;
  const update = (o: Order) => {
    setChanged(o);
    setTimeout(reload, 1_500);
  };
  return (
    <section>
      <div class="page-heading">
        <h1>
          Order {order.id.slice(-8)} <StatusBadge status={order.status} />
        </h1>
        <CancelButton order={order} onCancelled={update} />
      </div>
      <p class="muted">
        Placed {formatTime(order.createdAt)} by user {order.userId} ·{' '}
        {/* The ops console finds the order's traces by its id (and opens the trace itself when there is one). */}
        <Link href={`/ops/traces?orderId=${encodeURIComponent(order.id)}`}>Trace</Link>
      </p>
      <ShipForm order={order} onShipped={update} />
      {payment.state === 'ready' && payment.value && (
        <section class="form-card" aria-labelledby="payment-heading">
          <h2 id="payment-heading">Payment</h2>
          <p>
            {paymentText(payment.value)}: {formatMoney(payment.value.amount)}
          </p>
          <ul class="ledger">
            {payment.value.ledger.map((entry, i) => (
              <li key={i}>
                {entry.kind} {formatMoney(entry.amount)} at {formatTime(entry.at)}
              </li>
            ))}
          </ul>
        </section>
      )}
      <OrderDetails order={order} />
    </section>
  );
}
