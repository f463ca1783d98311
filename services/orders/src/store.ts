import type { Address, CancelReason } from '@mercato/contracts';
import { type AnySchema, type DataCipher, type Kysely, sql } from '@mercato/kit';
import type { OrderLine, OrderStatus, PaymentStatus, SagaStep } from './domain/checkout.flow.ts';

export type { OrderLine, OrderStatus, PaymentStatus, SagaStep };

export interface HistoryEntry {
  status: OrderStatus;
  at: string;
  detail?: string;
}

/** The channel an update that changes an order's status notifies on commit, with the order's id (see `OrderWatch`). */
export const ORDER_SETTLED_CHANNEL = 'mercato_order_status';

/** An order row as the saga and the routes see it. */
export interface OrderRow {
  id: string;
  userId: string;
  status: OrderStatus;
  cancelReason: CancelReason | null;
  lines: OrderLine[];
  currency: string;
  subtotal: number;
  shipping: number;
  total: number;
  shippingAddress: Address;
  paymentToken: string | null;
  paymentStatus: PaymentStatus;
  paymentBrand: string | null;
  paymentLast4: string | null;
  sagaStep: SagaStep;
  pendingReason: CancelReason | null;
  awaitingStockRelease: boolean;
  awaitingPaymentReturn: boolean;
  paymentReturn: 'void' | 'refund' | null;
  stepDeadline: Date | null;
  stepAttempts: number;
  /** When the saga entered its current step or compensation round (and sent its commands). */
  stepStartedAt: Date;
  shipment: { carrier: string; trackingNumber: string } | null;
  history: HistoryEntry[];
  createdAt: Date;
  updatedAt: Date;
}

/** The columns a decision may change (camelCase → column). */
export type OrderChange = Partial<
  Pick<
    OrderRow,
    | 'status'
    | 'cancelReason'
    | 'paymentToken'
    | 'paymentStatus'
    | 'paymentBrand'
    | 'paymentLast4'
    | 'sagaStep'
    | 'pendingReason'
    | 'awaitingStockRelease'
    | 'awaitingPaymentReturn'
    | 'paymentReturn'
    | 'stepDeadline'
    | 'stepAttempts'
    | 'shipment'
  >
>;

const COLUMNS: Record<keyof OrderChange, string> = {
  status: 'status',
  cancelReason: 'cancel_reason',
  paymentToken: 'payment_token',
  paymentStatus: 'payment_status',
  paymentBrand: 'payment_brand',
  paymentLast4: 'payment_last4',
  sagaStep: 'saga_step',
  pendingReason: 'pending_reason',
  awaitingStockRelease: 'awaiting_stock_release',
  awaitingPaymentReturn: 'awaiting_payment_return',
  paymentReturn: 'payment_return',
  stepDeadline: 'step_deadline',
  stepAttempts: 'step_attempts',
  shipment: 'shipment',
};

interface Row {
  id: string;
  user_id: string;
  status: OrderStatus;
  cancel_reason: CancelReason | null;
  lines: OrderLine[];
  currency: string;
  subtotal: string;
  shipping: string;
  total: string;
  /** Orders placed before addresses were encrypted (migration 0003); null since. */
  shipping_address: Address | null;
  /** The address as DataCipher ciphertext of its JSON. */
  shipping_address_enc: string | null;
  payment_token: string | null;
  payment_status: PaymentStatus;
  payment_brand: string | null;
  payment_last4: string | null;
  saga_step: SagaStep;
  pending_reason: CancelReason | null;
  awaiting_stock_release: boolean;
  awaiting_payment_return: boolean;
  payment_return: 'void' | 'refund' | null;
  step_deadline: Date | null;
  step_attempts: number;
  step_started_at: Date;
  shipment: { carrier: string; trackingNumber: string } | null;
  history: HistoryEntry[];
  created_at: Date;
  updated_at: Date;
}

/** `shippingAddress` is decrypted when first read: the saga reads an order at every reply and never looks at it. */
const toOrder = (r: Row, decryptAddress: () => Address): OrderRow => {
  let address: Address | undefined;
  return {
    id: r.id,
    userId: r.user_id,
    status: r.status,
    cancelReason: r.cancel_reason,
    lines: r.lines,
    currency: r.currency,
    subtotal: Number(r.subtotal),
    shipping: Number(r.shipping),
    total: Number(r.total),
    get shippingAddress() {
      address ??= decryptAddress();
      return address;
    },
    paymentToken: r.payment_token,
    paymentStatus: r.payment_status,
    paymentBrand: r.payment_brand,
    paymentLast4: r.payment_last4,
    sagaStep: r.saga_step,
    pendingReason: r.pending_reason,
    awaitingStockRelease: r.awaiting_stock_release,
    awaitingPaymentReturn: r.awaiting_payment_return,
    paymentReturn: r.payment_return,
    stepDeadline: r.step_deadline,
    stepAttempts: r.step_attempts,
    stepStartedAt: r.step_started_at,
    shipment: r.shipment,
    history: r.history,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
};

export interface NewOrder {
  id: string;
  userId: string;
  lines: OrderLine[];
  currency: string;
  subtotal: number;
  shipping: number;
  shippingAddress: Address;
  paymentToken: string;
  stepDeadline: Date;
}

export interface Page {
  items: OrderRow[];
  /** The last id of a full page, to continue after. */
  lastId: string | null;
}

/**
 * The only file that writes SQL for orders. Shipping addresses (phone numbers included) are stored
 * encrypted with `cipher`; rows from before that keep their plain JSON and are read as they are.
 */
export class OrderStore {
  readonly db: Kysely<AnySchema>;
  readonly #cipher: DataCipher;
  constructor(db: Kysely<AnySchema>, cipher: DataCipher) {
    this.db = db;
    this.#cipher = cipher;
  }

  #toOrder(r: Row): OrderRow {
    const encrypted = r.shipping_address_enc;
    if (!encrypted && !r.shipping_address) throw new Error(`order ${r.id} has no shipping address`);
    return toOrder(r, () => (encrypted ? (JSON.parse(this.#cipher.decrypt(encrypted)) as Address) : (r.shipping_address as Address)));
  }

  #page(rows: Row[], limit: number): Page {
    const items = rows.slice(0, limit).map((r) => this.#toOrder(r));
    return { items, lastId: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
  }

  async insert(tx: Kysely<AnySchema>, order: NewOrder): Promise<OrderRow> {
    const history: HistoryEntry[] = [{ status: 'pending', at: new Date().toISOString(), detail: 'placed' }];
    const { rows } = await sql<Row>`
      insert into orders (id, user_id, status, lines, currency, subtotal, shipping, total, shipping_address_enc, payment_token, saga_step, step_deadline, history)
      values (${order.id}, ${order.userId}, 'pending', ${JSON.stringify(order.lines)}::jsonb, ${order.currency}, ${order.subtotal},
              ${order.shipping}, ${order.subtotal + order.shipping}, ${this.#cipher.encrypt(JSON.stringify(order.shippingAddress))}, ${this.#cipher.encrypt(order.paymentToken)},
              'reserving', ${order.stepDeadline}, ${JSON.stringify(history)}::jsonb)
      returning *`.execute(tx);
    return this.#toOrder(rows[0] as Row);
  }

  /**
   * The card token of an order waiting for its authorization, for payments to use once (ADR 0015);
   * undefined when it is spent (cleared once the authorization is decided) or was never there.
   */
  async paymentTokenFor(id: string): Promise<string | undefined> {
    const { rows } = await sql<{ payment_token: string | null }>`
      select payment_token from orders where id = ${id} and saga_step = 'authorizing'`.execute(this.db);
    const stored = rows[0]?.payment_token;
    if (!stored) return undefined;
    // Orders placed before tokens were encrypted hold them plain.
    return stored.startsWith('v1.') ? this.#cipher.decrypt(stored) : stored;
  }

  async get(db: Kysely<AnySchema>, id: string, lock = false): Promise<OrderRow | undefined> {
    const { rows } = lock
      ? await sql<Row>`select * from orders where id = ${id} for update`.execute(db)
      : await sql<Row>`select * from orders where id = ${id}`.execute(db);
    return rows[0] ? this.#toOrder(rows[0]) : undefined;
  }

  /** Applies a change and, when given, appends a history entry; returns the order as it now is. */
  async update(tx: Kysely<AnySchema>, id: string, change: OrderChange, entry?: { detail: string }): Promise<OrderRow> {
    const sets = Object.entries(change).map(([key, value]) => {
      const column = sql.ref(COLUMNS[key as keyof OrderChange]);
      const bound = key === 'shipment' ? sql`${JSON.stringify(value)}::jsonb` : sql`${value}`;
      return sql`${column} = ${bound}`;
    });
    sets.push(sql`updated_at = now()`);
    // A new step (or compensation round) starts now: its commands go out in this transaction.
    if (change.sagaStep !== undefined) sets.push(sql`step_started_at = now()`);
    if (entry) {
      sets.push(
        sql`history = history || jsonb_build_array(jsonb_build_object('status', coalesce(${change.status ?? null}::text, status), 'at', to_char(now() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'detail', ${entry.detail}::text))`,
      );
    }
    // In SET, `status` is the value before this update: an entry without a status change records the one the order keeps.
    // A status change wakes the requests waiting for this order once the transaction commits (pg_notify is transactional).
    const notify = change.status === undefined ? sql`` : sql`, pg_notify(${ORDER_SETTLED_CHANNEL}, id::text) as notified`;
    const { rows } = await sql<Row>`update orders set ${sql.join(sets)} where id = ${id} returning *${notify}`.execute(tx);
    const row = rows[0];
    if (!row) throw new Error(`order ${id} vanished`);
    return this.#toOrder(row);
  }

  async listByUser(userId: string, limit: number, afterId: string | undefined): Promise<Page> {
    const { rows } = await sql<Row>`
      select * from orders where user_id = ${userId} ${afterId ? sql`and id < ${afterId}` : sql``}
      order by id desc limit ${limit + 1}`.execute(this.db);
    return this.#page(rows, limit);
  }

  async listAll(status: OrderStatus | undefined, limit: number, afterId: string | undefined): Promise<Page> {
    const { rows } = await sql<Row>`
      select * from orders where true ${status ? sql`and status = ${status}` : sql``} ${afterId ? sql`and id < ${afterId}` : sql``}
      order by id desc limit ${limit + 1}`.execute(this.db);
    return this.#page(rows, limit);
  }

  /**
   * Claims an Idempotency-Key for a new order. A concurrent claim of the same key waits for this
   * transaction and then sees the row. Returns undefined when claimed, else what the key holds.
   */
  async claimKey(
    tx: Kysely<AnySchema>,
    userId: string,
    key: string,
    hash: string,
    orderId: string,
  ): Promise<{ requestHash: string; orderId: string } | undefined> {
    const inserted = await sql`
      insert into idempotency_keys (user_id, key, request_hash, order_id) values (${userId}, ${key}, ${hash}, ${orderId})
      on conflict (user_id, key) do nothing returning key`.execute(tx);
    if (inserted.rows.length > 0) return undefined;
    const { rows } = await sql<{ request_hash: string; order_id: string }>`
      select request_hash, order_id from idempotency_keys where user_id = ${userId} and key = ${key}`.execute(tx);
    const row = rows[0];
    if (!row) throw new Error('idempotency key vanished');
    return { requestHash: row.request_hash, orderId: row.order_id };
  }

  /** Claims a cart revision for an order in the placing transaction; false when another order claimed it. */
  async claimCart(tx: Kysely<AnySchema>, userId: string, cartRevision: string, orderId: string): Promise<boolean> {
    const inserted = await sql`
      insert into cart_claims (user_id, cart_revision, order_id) values (${userId}, ${cartRevision}, ${orderId})
      on conflict (user_id, cart_revision) do nothing returning order_id`.execute(tx);
    return inserted.rows.length > 0;
  }

  async findKey(userId: string, key: string): Promise<{ requestHash: string; orderId: string } | undefined> {
    const { rows } = await sql<{ request_hash: string; order_id: string }>`
      select request_hash, order_id from idempotency_keys where user_id = ${userId} and key = ${key}`.execute(this.db);
    return rows[0] && { requestHash: rows[0].request_hash, orderId: rows[0].order_id };
  }

  async forgetKeysOlderThan(hours: number): Promise<void> {
    await sql`delete from idempotency_keys where created_at < now() - make_interval(hours => ${hours})`.execute(this.db);
    // Revisions are never reused, so old claims guard nothing.
    await sql`delete from cart_claims where created_at < now() - make_interval(hours => ${hours})`.execute(this.db);
  }

  /**
   * Seconds the longest-waiting order in flight has been in its current step (0 when none is): one
   * statement through `orders_in_flight`, which holds only the orders in flight, however long the history.
   */
  async oldestStepAgeSeconds(): Promise<number> {
    const { rows } = await sql<{ age: number | null }>`
      select extract(epoch from now() - min(step_started_at))::float8 as age from orders where saga_step <> 'done'`.execute(this.db);
    return Math.max(0, rows[0]?.age ?? 0);
  }

  /** In-flight orders past their step's deadline, locked for this sweeper (others skip them). */
  async overdue(tx: Kysely<AnySchema>, limit: number): Promise<OrderRow[]> {
    const { rows } = await sql<Row>`
      select * from orders where saga_step <> 'done' and step_deadline < now()
      order by step_deadline limit ${limit} for update skip locked`.execute(tx);
    return rows.map((r) => this.#toOrder(r));
  }
}
