import { StockCommitFailed, StockCommitted, StockLow, StockReleased, StockReservationFailed, StockReserved } from '@mercato/contracts';
import { type AnySchema, afterCommit, type Kysely, type Logger, type Outbox, sql } from '@mercato/kit';
import { crossedLow, type Line, normaliseLines, type ReservationStatus } from './domain/reservation.ts';
import type { InventoryMetrics } from './inventory-metrics.ts';

export interface StockRow {
  sku: string;
  onHand: number;
  reserved: number;
  available: number;
}

export interface StockPage {
  items: StockRow[];
  /** The last SKU of a full page when more rows follow, to continue after; null on the last page. */
  lastSku: string | null;
}

export interface ReservationOutcome {
  id: string;
  status: ReservationStatus;
  reason?: string;
  expiresAt: string;
}

const stockRow = (r: { sku: string; on_hand: number; reserved: number }): StockRow => ({
  sku: r.sku,
  onHand: r.on_hand,
  reserved: r.reserved,
  available: r.on_hand - r.reserved,
});

/** The only file that writes SQL for inventory. Every write takes the caller's transaction. */
export class InventoryStore {
  readonly #db: Kysely<AnySchema>;
  readonly #outbox: Outbox;
  readonly #metrics: InventoryMetrics | undefined;
  constructor(db: Kysely<AnySchema>, outbox: Outbox, metrics?: InventoryMetrics) {
    this.#db = db;
    this.#outbox = outbox;
    this.#metrics = metrics;
  }

  get db(): Kysely<AnySchema> {
    return this.#db;
  }

  async available(skus: readonly string[]): Promise<{ sku: string; available: number }[]> {
    const { rows } = await sql<{ sku: string; available: number }>`
      select sku, on_hand - reserved as available from stock where sku = any(${skus}::text[]) order by sku`.execute(this.#db);
    return rows;
  }

  /**
   * Staff's stock list, in SKU order: a page of at most `limit` rows after the SKU `after` (the
   * stock table's primary key serves both the order and the seek, so a page costs the same at any
   * depth), narrowed to `skus` when given (unknown ones are simply not there).
   */
  async stockPage(query: { limit: number; after?: string; skus?: readonly string[] }): Promise<StockPage> {
    const { rows } = await sql<{ sku: string; on_hand: number; reserved: number }>`
      select sku, on_hand, reserved from stock
      where true ${query.skus ? sql`and sku = any(${query.skus}::text[])` : sql``} ${query.after === undefined ? sql`` : sql`and sku > ${query.after}`}
      order by sku limit ${query.limit + 1}`.execute(this.#db);
    const items = rows.slice(0, query.limit).map(stockRow);
    return { items, lastSku: rows.length > query.limit ? (items.at(-1)?.sku ?? null) : null };
  }

  /** Sets on hand; refuses (undefined) to go below what is reserved. */
  async setOnHand(tx: Kysely<AnySchema>, sku: string, onHand: number): Promise<StockRow | undefined> {
    const { rows } = await sql<{ sku: string; on_hand: number; reserved: number }>`
      insert into stock (sku, on_hand) values (${sku}, ${onHand})
      on conflict (sku) do update set on_hand = excluded.on_hand, updated_at = now() where stock.reserved <= excluded.on_hand
      returning sku, on_hand, reserved`.execute(tx);
    return rows[0] ? stockRow(rows[0]) : undefined;
  }

  async reservation(tx: Kysely<AnySchema>, id: string, lock = false): Promise<(ReservationOutcome & { lines: Line[] }) | undefined> {
    const { rows } = lock
      ? await sql<{
          status: ReservationStatus;
          reason: string | null;
          expires_at: Date;
        }>`select status, reason, expires_at from reservations where id = ${id} for update`.execute(tx)
      : await sql<{
          status: ReservationStatus;
          reason: string | null;
          expires_at: Date;
        }>`select status, reason, expires_at from reservations where id = ${id}`.execute(tx);
    const row = rows[0];
    if (!row) return undefined;
    const lines = await sql<Line>`select sku, quantity from reservation_lines where reservation_id = ${id} order by sku`.execute(tx);
    return {
      id,
      status: row.status,
      ...(row.reason ? { reason: row.reason } : {}),
      expiresAt: row.expires_at.toISOString(),
      lines: lines.rows,
    };
  }

  /**
   * Holds every line or none, atomically. Idempotent by id: a second call answers the first
   * outcome. Stock rows are locked in SKU order; a line short of stock rolls back to the savepoint,
   * and the reservation is recorded as failed.
   */
  async reserve(
    tx: Kysely<AnySchema>,
    id: string,
    requested: readonly Line[],
    ttlSeconds: number,
    traceparent?: string,
  ): Promise<ReservationOutcome> {
    const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
    const inserted =
      await sql`insert into reservations (id, status, expires_at) values (${id}, 'held', ${expiresAt}) on conflict (id) do nothing returning id`.execute(
        tx,
      );
    if (inserted.rows.length === 0) {
      const existing = await this.reservation(tx, id);
      if (!existing) throw new Error(`reservation ${id} vanished`);
      const { lines: _lines, ...outcome } = existing;
      return outcome;
    }
    const lines = normaliseLines(requested);
    await sql`savepoint reserve_lines`.execute(tx);
    const short: string[] = [];
    const low: { sku: string; available: number; threshold: number }[] = [];
    for (const line of lines) {
      const { rows } = await sql<{ on_hand: number; reserved: number; low_threshold: number }>`
        update stock set reserved = reserved + ${line.quantity}, updated_at = now()
        where sku = ${line.sku} and on_hand - reserved >= ${line.quantity}
        returning on_hand, reserved, low_threshold`.execute(tx);
      const row = rows[0];
      if (!row) {
        short.push(line.sku);
        continue;
      }
      const after = row.on_hand - row.reserved;
      if (crossedLow(after + line.quantity, after, row.low_threshold))
        low.push({ sku: line.sku, available: after, threshold: row.low_threshold });
    }
    if (short.length > 0) {
      await sql`rollback to savepoint reserve_lines`.execute(tx);
      await sql`update reservations set status = 'failed', reason = 'out_of_stock', updated_at = now() where id = ${id}`.execute(tx);
      await this.#outbox.publish(tx, StockReservationFailed, {
        subject: id,
        data: { reservationId: id, reason: 'out_of_stock', skus: short },
        traceparent,
      });
      // Once committed: the reservation is decided here, once; a repeated reserve answers it above.
      const metrics = this.#metrics;
      if (metrics) await afterCommit(tx, () => metrics.reservationFailed('out_of_stock'));
      return { id, status: 'failed', reason: 'out_of_stock', expiresAt: expiresAt.toISOString() };
    }
    await sql`insert into reservation_lines (reservation_id, sku, quantity)
      select ${id}, * from unnest(${lines.map((l) => l.sku)}::text[], ${lines.map((l) => l.quantity)}::int[])`.execute(tx);
    await this.#outbox.publish(tx, StockReserved, {
      subject: id,
      data: { reservationId: id, lines, expiresAt: expiresAt.toISOString() },
      traceparent,
    });
    for (const event of low) await this.#outbox.publish(tx, StockLow, { subject: event.sku, data: event, traceparent });
    return { id, status: 'held', expiresAt: expiresAt.toISOString() };
  }

  /** Held → committed: the units leave on hand. Idempotent; refuses a released, expired or failed one. */
  async commit(tx: Kysely<AnySchema>, id: string): Promise<ReservationOutcome | 'unknown' | 'closed'> {
    const reservation = await this.reservation(tx, id, true);
    if (!reservation) return 'unknown';
    const { lines, ...outcome } = reservation;
    if (reservation.status === 'committed') return outcome;
    if (reservation.status !== 'held') return 'closed';
    for (const line of lines) {
      await sql`update stock set on_hand = on_hand - ${line.quantity}, reserved = reserved - ${line.quantity}, updated_at = now() where sku = ${line.sku}`.execute(
        tx,
      );
    }
    await sql`update reservations set status = 'committed', updated_at = now() where id = ${id}`.execute(tx);
    return { ...outcome, status: 'committed' };
  }

  /**
   * Gives the units back: a held reservation stops holding them; a committed one is restocked (an
   * order cancelled after confirmation). Idempotent; `status` says why it ended (released or expired).
   */
  async release(tx: Kysely<AnySchema>, id: string, status: 'released' | 'expired' = 'released'): Promise<ReservationOutcome | 'unknown'> {
    const reservation = await this.reservation(tx, id, true);
    if (!reservation) return 'unknown';
    const { lines, ...outcome } = reservation;
    if (reservation.status === 'held') {
      for (const line of lines) {
        await sql`update stock set reserved = reserved - ${line.quantity}, updated_at = now() where sku = ${line.sku}`.execute(tx);
      }
    } else if (reservation.status === 'committed') {
      for (const line of lines) {
        await sql`update stock set on_hand = on_hand + ${line.quantity}, updated_at = now() where sku = ${line.sku}`.execute(tx);
      }
    } else {
      return outcome;
    }
    await sql`update reservations set status = ${status}, updated_at = now() where id = ${id}`.execute(tx);
    return { ...outcome, status };
  }

  /**
   * The saga's commit command: commits, then answers on the bus whether the stock is now the order's
   * (`committed`) or not (`commit-failed`, with `expired` when the sweeper ended it first).
   */
  async commitAndAnswer(tx: Kysely<AnySchema>, id: string, traceparent: string, log: Logger): Promise<void> {
    const outcome = await this.commit(tx, id);
    if (typeof outcome !== 'string' && outcome.status === 'committed') {
      await this.#outbox.publish(tx, StockCommitted, { subject: id, data: { reservationId: id }, traceparent });
      return;
    }
    const current = await this.reservation(tx, id);
    const reason = current?.status === 'expired' ? 'expired' : 'not_held';
    log.warn({ reservationId: id, status: current?.status ?? 'unknown' }, 'commit of a reservation that is not held');
    await this.#outbox.publish(tx, StockCommitFailed, { subject: id, data: { reservationId: id, reason }, traceparent });
  }

  /** The saga's release command: releases (idempotent) and answers that nothing is held any more. */
  async releaseAndAnswer(tx: Kysely<AnySchema>, id: string, traceparent: string): Promise<void> {
    await this.release(tx, id);
    await this.#outbox.publish(tx, StockReleased, { subject: id, data: { reservationId: id }, traceparent });
  }

  /** Held reservations past their deadline, locked for the sweeper (others skip them). */
  async expiredReservationIds(tx: Kysely<AnySchema>, limit: number): Promise<string[]> {
    const { rows } = await sql<{ id: string }>`
      select id from reservations where status = 'held' and expires_at < now() order by expires_at limit ${limit} for update skip locked`.execute(
      tx,
    );
    return rows.map((r) => r.id);
  }
}
