import { cancellationText, countryName, formatTime, historyText, paymentText, STATUS_LABEL } from '../lib/order-words.ts';
import type { Order } from '../lib/types.ts';
import { Price } from './money.tsx';

export function StatusBadge({ status }: { status: Order['status'] }) {
  return <span class={`badge badge-${status}`}>{STATUS_LABEL[status]}</span>;
}

/** An order's lines, totals, payment, shipment and status timeline: shared by the shopper's and staff's pages. */
export function OrderDetails({ order }: { order: Order }) {
  const a = order.shippingAddress;
  return (
    <>
      {order.status === 'cancelled' && (
        <div class="notice notice-error" role="alert">
          <p>{cancellationText(order.cancelReason)}</p>
        </div>
      )}
      {order.shipment && (
        <div class="notice notice-good">
          <p>
            Shipped with <strong>{order.shipment.carrier}</strong>, tracking number <strong>{order.shipment.trackingNumber}</strong>.
          </p>
        </div>
      )}
      <div class="order-grid">
        <section class="form-card" aria-labelledby="items-heading">
          <h2 id="items-heading">Items</h2>
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Item</th>
                <th scope="col">Qty</th>
                <th scope="col">Price</th>
                <th scope="col">Total</th>
              </tr>
            </thead>
            <tbody>
              {order.lines.map((l) => (
                <tr key={l.sku}>
                  <td>{l.name}</td>
                  <td>{l.quantity}</td>
                  <td>
                    <Price money={l.unitPrice} />
                  </td>
                  <td>
                    <Price money={l.lineTotal} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <dl class="totals">
            <div>
              <dt>Subtotal</dt>
              <dd>
                <Price money={order.subtotal} />
              </dd>
            </div>
            <div>
              <dt>Shipping</dt>
              <dd>
                <Price money={order.shipping} />
              </dd>
            </div>
            <div class="grand-total">
              <dt>Total</dt>
              <dd>
                <Price money={order.total} />
              </dd>
            </div>
          </dl>
        </section>
        <section class="form-card" aria-labelledby="delivery-heading">
          <h2 id="delivery-heading">Delivery and payment</h2>
          <address>
            {a.line1}
            <br />
            {a.line2 && (
              <>
                {a.line2}
                <br />
              </>
            )}
            {a.postalCode} {a.city}
            <br />
            {countryName(a.country)}
          </address>
          <p>Payment: {paymentText(order.payment)}</p>
          <h3>Timeline</h3>
          <ol class="timeline">
            {order.history.map((h, i) => (
              <li key={i}>
                <span class="timeline-status">{historyText(h)}</span>
                <time dateTime={h.at}>{formatTime(h.at)}</time>
              </li>
            ))}
          </ol>
        </section>
      </div>
    </>
  );
}
