import { type AnySchema, type Kysely, sql } from '@mercato/kit';
import { uuidv7At } from './uuid-v7.ts';

export interface OrderHistory {
  orders: number;
  /** Shoppers in the history (`user-0` …), each with orders / users orders. */
  users: number;
  /** What every order of the history holds in `shipping_address_enc`: an address as the service's DataCipher encrypts it. */
  shippingAddressEnc: string;
  /**
   * Hours the idempotency keys and cart claims are spread over, the newest made now. The saga
   * sweeper forgets those older than 48 h, hourly: under 48 leaves it nothing to forget.
   */
  keysOverHours: number;
  /**
   * The newest `orders` still in their saga (deadline ahead), and the `overdue` before them past their
   * step's deadline; without it, every order of the history has settled.
   */
  inFlight?: { orders: number; overdue: number; stepTimeoutSeconds: number };
}

/**
 * An order history in the orders database (issue 9), in a few statements: orders ~80 s apart, the
 * newest placed an hour ago, shipped but for one in 25 cancelled (payment declined) and one in 25
 * confirmed, their ids UUIDv7 of their placing time; an idempotency key and a cart claim for each.
 * The query-plan tests and the checkout bench's `--history` share it; the caller runs `vacuum analyze`.
 */
export async function seedOrderHistory(db: Kysely<AnySchema>, history: OrderHistory): Promise<void> {
  const { orders: n, users } = history;
  await sql`
    insert into orders (id, user_id, status, cancel_reason, lines, currency, subtotal, shipping, total, shipping_address_enc,
                        payment_status, payment_brand, payment_last4, saga_step, shipment, history, created_at, updated_at)
    select
      ${uuidv7At('at', 'i')},
      'user-' || (i % ${users}), status, case when status = 'cancelled' then 'payment_declined' end,
      jsonb_build_array(jsonb_build_object('sku', 'SKU-' || (i % 5000), 'productId', md5('product' || (i % 5000))::uuid, 'name', 'Seeded product',
        'unitPrice', jsonb_build_object('amount', price, 'currency', 'USD'), 'quantity', quantity)),
      'USD', price * quantity, 499, price * quantity + 499, ${history.shippingAddressEnc},
      case when status = 'cancelled' then 'declined' else 'captured' end, 'visa', '4242', 'done',
      case when status = 'shipped' then '{"carrier":"UPS","trackingNumber":"1Z999"}'::jsonb end,
      jsonb_build_array(jsonb_build_object('status', 'pending', 'at', at, 'detail', 'placed'),
                        jsonb_build_object('status', case when status = 'cancelled' then 'cancelled' else 'confirmed' end, 'at', at)),
      at, at
    from (
      select i, now() - (${n} - i) * interval '80 seconds' - interval '1 hour' as at,
        1500 + (i % 5000) as price, 1 + (i % 3) as quantity,
        case when i % 25 = 0 then 'cancelled' when i % 25 = 1 then 'confirmed' else 'shipped' end as status
      from generate_series(1, ${n}) i
    ) history`.execute(db);
  if (history.inFlight) {
    const { orders: inFlight, overdue, stepTimeoutSeconds } = history.inFlight;
    // The newest orders wait for replies (deadline ahead); the overdue ones before them are past their deadline.
    await sql`
      update orders set status = 'pending', payment_status = 'pending', shipment = null,
        saga_step = (array['reserving', 'authorizing', 'committing', 'capturing'])[1 + n % 4],
        step_deadline = now() + case when n > ${inFlight} then interval '-5 seconds' else make_interval(secs => ${stepTimeoutSeconds}) end
      from (select id, row_number() over (order by id desc) as n from orders order by id desc limit ${inFlight + overdue}) newest
      where orders.id = newest.id`.execute(db);
  }
  await sql`
    insert into idempotency_keys (user_id, key, request_hash, order_id, created_at)
    select user_id, md5(id::text), md5(user_id || id::text) || md5(id::text), id,
           now() - make_interval(hours => ${history.keysOverHours}) * (1 - row_number() over (order by id) / ${n}::float8)
    from orders`.execute(db);
  await sql`
    insert into cart_claims (user_id, cart_revision, order_id, created_at)
    select user_id, md5(user_id) || '@' || (extract(epoch from created_at) * 1000000)::bigint, order_id, created_at
    from idempotency_keys`.execute(db);
}
