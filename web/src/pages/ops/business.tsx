import { formatMoney } from '../../lib/money.ts';
import type { BusinessFigures } from '../../lib/types.ts';
import { TimeChart } from './chart.tsx';
import { type MetricsHistory, seriesUnder } from './metrics-history.ts';
import { readable } from './ops-words.ts';

function Figure({ label, value }: { label: string; value: string | number }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

/** The last minute in words and numbers: what the charts show, readable without them. */
function LastMinute({ business }: { business: BusinessFigures }) {
  const cancelled = Object.entries(business.ordersCancelled ?? {}).filter(([, n]) => n > 0);
  const cancelledTotal = cancelled.reduce((sum, [, n]) => sum + n, 0);
  const revenue = (business.revenueConfirmed ?? []).filter((m) => m.amount > 0);
  const steps = Object.entries(business.sagaStepP99Ms ?? {});
  return (
    <dl class="business-figures">
      <Figure label="Orders placed" value={business.ordersPlaced} />
      <Figure label="Orders confirmed" value={business.ordersConfirmed} />
      <Figure
        label="Orders cancelled"
        value={
          cancelledTotal === 0
            ? 0
            : `${cancelledTotal} (${cancelled.map(([reason, n]) => `${readable(reason).toLowerCase()}: ${n}`).join(', ')})`
        }
      />
      <Figure label="Revenue confirmed" value={revenue.length === 0 ? 'none' : revenue.map((m) => formatMoney(m)).join(' + ')} />
      <Figure label="Payment declines" value={business.paymentDeclines} />
      <Figure label="Reservation failures" value={business.reservationFailures} />
      <Figure
        label="Saga step p99"
        value={
          steps.length === 0 ? 'no steps' : steps.map(([step, ms]) => `${readable(step).toLowerCase()} ${ms.toFixed(0)} ms`).join(', ')
        }
      />
    </dl>
  );
}

/** Orders, revenue, failures and saga latency per minute over the minutes the console has been open. */
export function BusinessSection({ business, history }: { business: BusinessFigures | undefined; history: MetricsHistory }) {
  if (!business)
    return (
      <section aria-labelledby="business-heading">
        <h2 id="business-heading">Business</h2>
        <p class="muted">This platform does not report business figures yet.</p>
      </section>
    );
  const orders = seriesUnder(history, 'orders/', ['placed', 'confirmed', 'cancelled']);
  const reasons = seriesUnder(history, 'cancelled/').map((s) => ({ ...s, name: readable(s.name).toLowerCase() }));
  const revenue = seriesUnder(history, 'revenue/');
  const failures = seriesUnder(history, 'failures/', ['payment declines', 'reservation failures']);
  const saga = seriesUnder(history, 'saga/');
  const currencies = revenue.map((s) => s.name);
  return (
    <section aria-labelledby="business-heading">
      <h2 id="business-heading">Business</h2>
      <p class="muted">
        The last {business.windowSeconds === 60 ? 'minute' : `${business.windowSeconds} seconds`}; the charts are per minute.
      </p>
      <LastMinute business={business} />
      {history.times.length > 1 && (
        <div class="charts charts-pair">
          <TimeChart title="Orders per minute" unit="orders" times={history.times} series={orders} />
          {reasons.length > 0 ? (
            <TimeChart title="Cancellations per minute by reason" unit="orders" times={history.times} series={reasons} />
          ) : (
            <p class="chart chart-empty">No order was cancelled while this page was open.</p>
          )}
          {revenue.length > 0 ? (
            <TimeChart
              title="Revenue confirmed per minute"
              unit={currencies.length === 1 ? (currencies[0] ?? '') : 'amount'}
              times={history.times}
              series={revenue}
            />
          ) : (
            <p class="chart chart-empty">No revenue was confirmed while this page was open.</p>
          )}
          <TimeChart title="Payment declines and reservation failures per minute" unit="count" times={history.times} series={failures} />
          {saga.length > 0 ? (
            <TimeChart title="Saga step p99" unit="ms" times={history.times} series={saga} />
          ) : (
            <p class="chart chart-empty">No saga step ran while this page was open.</p>
          )}
        </div>
      )}
    </section>
  );
}
