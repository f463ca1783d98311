import { type AnySchema, type Kysely, sql, transaction } from '@mercato/kit';
import { uuidv7At } from './uuid-v7.ts';

export interface ReservationHistory {
  /** One per order of the history. */
  reservations: number;
  /** Stock rows `SKU-0` … (1,000 units on hand each) the lines draw from. */
  skus: number;
  /**
   * The newest `held` reservations are held for orders in flight (expiring in an hour), the `expired`
   * before them held past their deadline; without them, every reservation of the history has settled.
   */
  inFlight?: { held: number; expired: number };
}

/**
 * A reservation history in the inventory database (issue 9), in one transaction: reservations ~80 s
 * apart, the newest an hour old, with ids UUIDv7 of their time, committed but for the odd released,
 * expired and failed one; one or two lines each over the stock. Held ones' units are reserved in
 * stock, as the store keeps them. The query-plan tests and the checkout bench's `--history` share it;
 * the caller runs `vacuum analyze`. Skipping the foreign key checks needs a superuser.
 */
export async function seedReservationHistory(db: Kysely<AnySchema>, history: ReservationHistory): Promise<void> {
  const { reservations: n, skus } = history;
  const { held = 0, expired = 0 } = history.inFlight ?? {};
  await transaction(db, async (tx) => {
    // The rows are consistent by construction: skip the foreign key checks of the lines (seconds).
    await sql`set local session_replication_role = replica`.execute(tx);
    await sql`insert into stock (sku, on_hand) select 'SKU-' || i, 1000 from generate_series(0, ${skus - 1}) i`.execute(tx);
    await sql`
      insert into reservations (id, status, reason, expires_at, created_at, updated_at)
      select ${uuidv7At('at', 'i')}::text,
        case when i > ${n - held - expired} then 'held'
             when i % 50 = 0 then 'released' when i % 50 = 1 then 'expired' when i % 50 = 2 then 'failed' else 'committed' end,
        case when i % 50 = 2 and i <= ${n - held - expired} then 'out_of_stock' end,
        -- Held ones expire in an hour (not the default two minutes), so on a busy machine none but the expired ones is due when the sweeper looks.
        case when i > ${n - held} then now() + interval '1 hour' else at + interval '120 seconds' end,
        at, at
      from (select i, now() - (${n} - i) * interval '80 seconds' - interval '1 hour' as at
            from generate_series(1, ${n}) i) history`.execute(tx);
    await sql`
      insert into reservation_lines (reservation_id, sku, quantity)
      select id, 'SKU-' || ((i * 7 + line * 13) % ${skus}), 1 + (i + line) % 3
      from (select id, row_number() over (order by created_at) as i from reservations) history, generate_series(0, 1) line
      where line = 0 or i % 2 = 0`.execute(tx);
    if (held + expired > 0) {
      await sql`
        update stock set reserved = held.quantity
        from (select l.sku, sum(l.quantity) as quantity from reservations r join reservation_lines l on l.reservation_id = r.id
              where r.status = 'held' group by l.sku) held
        where stock.sku = held.sku`.execute(tx);
    }
  });
}
