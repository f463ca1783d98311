import { CartItemAdded, type CartView, type Money } from '@mercato/contracts';
import { type AnySchema, type Kysely, type Outbox, sql } from '@mercato/kit';
import type { CatalogItem } from './catalog-client.ts';
import {
  cartIdOf,
  cartView,
  type KnownProduct,
  type LineSnapshot,
  MAX_LINES,
  MAX_QUANTITY,
  planRestore,
  type Restoration,
} from './domain/cart.ts';

export type AddOutcome = 'added' | 'unknown_sku' | 'cart_full' | 'line_full';

export interface AddInput {
  userId: string;
  product: CatalogItem;
  quantity: number;
  lookedUpAt: Date;
}

/** What a catalog event says about one product; absent fields are not part of that event. */
export interface CatalogChange {
  productId: string;
  name?: string;
  price?: Money;
  archived?: boolean;
}

interface LineRow {
  sku: string;
  product_id: string;
  name: string;
  /** bigint: pg hands it over as a string. */
  unit_amount: string;
  currency: string;
  quantity: number;
}

/**
 * The only file that writes SQL for the cart. Every write takes the caller's transaction and starts by
 * locking the user's cart row, so the writes to one cart run one after another: the line count and the
 * per-line limit are checked against what the cart holds, not against a stale read.
 */
export class CartStore {
  readonly #db: Kysely<AnySchema>;
  readonly #currency: string;
  readonly #outbox: Outbox;

  constructor(db: Kysely<AnySchema>, currency: string, outbox: Outbox) {
    this.#db = db;
    this.#currency = currency;
    this.#outbox = outbox;
  }

  get db(): Kysely<AnySchema> {
    return this.#db;
  }

  /** The database's clock: an add reads it before asking the catalog (see `addItem`). */
  async clock(): Promise<Date> {
    const { rows } = await sql<{ now: Date }>`select clock_timestamp() as now`.execute(this.#db);
    return rows[0]?.now ?? new Date();
  }

  /** The user's cart; empty (with its id) when they never added anything. */
  async view(executor: Kysely<AnySchema>, userId: string, options: { revision?: boolean } = {}): Promise<CartView> {
    const id = cartIdOf(userId);
    const { rows } = await sql<LineRow & { revision: string | null }>`
      select sku, product_id, name, unit_amount, currency, quantity,
        (select ${id}::text || '@' || (extract(epoch from updated_at) * 1000000)::bigint from carts where id = ${id}) as revision
      from cart_lines where cart_id = ${id} order by seq`.execute(executor);
    const lines: LineSnapshot[] = rows.map((row) => ({
      sku: row.sku,
      productId: row.product_id,
      name: row.name,
      unitAmount: Number(row.unit_amount),
      currency: row.currency,
      quantity: row.quantity,
    }));
    const view = cartView(id, lines, this.#currency);
    if (!options.revision) return view;
    // Every write bumps carts.updated_at and emptying deletes the row, so a revision is never reused.
    const { id: _, ...rest } = view;
    return { id, revision: rows[0]?.revision ?? `${id}@empty`, ...rest };
  }

  /**
   * A shopper's add (`addItem`) and, when the units went in, `cart.item.added.v1` in the same
   * transaction. A refused add publishes nothing.
   */
  async addItemAndPublish(tx: Kysely<AnySchema>, input: AddInput, traceparent?: string): Promise<AddOutcome> {
    const outcome = await this.addItem(tx, input);
    if (outcome === 'added') {
      const { userId, product, quantity } = input;
      await this.#outbox.publish(tx, CartItemAdded, {
        subject: userId,
        data: { userId, sku: product.sku, productId: product.productId, quantity },
        traceparent,
      });
    }
    return outcome;
  }

  /**
   * Adds `quantity` units of a product the catalog answered for, creating the cart and the line as
   * needed; publishes nothing (a shopper's add goes through `addItemAndPublish`). `lookedUpAt` is the
   * database clock before the catalog was asked: a catalog event handled since then may be newer than
   * the catalog's answer, and wins (see `applyCatalogChange`).
   */
  async addItem(tx: Kysely<AnySchema>, input: AddInput): Promise<AddOutcome> {
    const { userId, product, quantity } = input;
    const cartId = cartIdOf(userId);
    // Creates the cart or locks it: concurrent writes to one cart queue here. The primary key is the only
    // unique index on carts (migration 0002), so `on conflict (id)` absorbs every conflict of two first adds.
    // Then the product's lock, in the same statement: selecting from the upsert's rows makes it run first.
    await sql`with cart as (
                insert into carts (id, user_id) values (${cartId}, ${userId})
                on conflict (id) do update set updated_at = now()
                returning id)
              select pg_advisory_xact_lock(hashtextextended(${productLockKey(product.productId)}, 0)) from cart`.execute(tx);
    // After the lock, in a statement of its own (so its snapshot sees an event committed while this add waited):
    // what the catalog's events said of the product, and what the cart holds.
    const { rows } = await sql<{
      name: string | null;
      unit_amount: string | null;
      currency: string | null;
      archived: boolean | null;
      fresh: boolean | null;
      lines: string;
      present: boolean;
    }>`select seen.name, seen.unit_amount, seen.currency, seen.archived, seen.changed_at >= ${input.lookedUpAt} as fresh,
              counted.lines, counted.present
       from (select count(*) as lines, coalesce(bool_or(sku = ${product.sku}), false) as present
             from cart_lines where cart_id = ${cartId}) as counted
       left join catalog_products as seen on seen.product_id = ${product.productId}`.execute(tx);
    const row = rows[0];
    // Archived for good: the catalog never sells an archived product again.
    if (row?.archived) return 'unknown_sku';
    const fresh = row?.fresh ? row : undefined;
    const name = fresh?.name ?? product.name;
    const unitAmount = fresh?.unit_amount != null ? Number(fresh.unit_amount) : product.price.amount;
    const currency = fresh?.currency ?? product.price.currency;
    if (row && !row.present && Number(row.lines) >= MAX_LINES) return 'cart_full';

    // Adds to the line in one statement; the condition refuses (no row back) a total over the limit.
    // A new add also refreshes the snapshot: it is as recent a look at the catalog as any.
    const { rows: written } = await sql<{ quantity: number }>`
      insert into cart_lines (cart_id, sku, product_id, name, unit_amount, currency, quantity)
      values (${cartId}, ${product.sku}, ${product.productId}, ${name}, ${unitAmount}, ${currency}, ${quantity})
      on conflict (cart_id, sku) do update
        set quantity = cart_lines.quantity + excluded.quantity,
            product_id = excluded.product_id, name = excluded.name,
            unit_amount = excluded.unit_amount, currency = excluded.currency
        where cart_lines.quantity + excluded.quantity <= ${MAX_QUANTITY}
      returning quantity`.execute(tx);
    return written.length > 0 ? 'added' : 'line_full';
  }

  /** Sets a line's quantity, 0 removing it; false when the SKU is not in the cart. */
  async setQuantity(tx: Kysely<AnySchema>, userId: string, sku: string, quantity: number): Promise<boolean> {
    const cartId = await lockCart(tx, userId);
    if (!cartId) return false;
    const { rows } =
      quantity === 0
        ? await sql`delete from cart_lines where cart_id = ${cartId} and sku = ${sku} returning sku`.execute(tx)
        : await sql`update cart_lines set quantity = ${quantity} where cart_id = ${cartId} and sku = ${sku} returning sku`.execute(tx);
    return rows.length > 0;
  }

  /** Removes a line; false when the SKU is not in the cart. */
  async removeLine(tx: Kysely<AnySchema>, userId: string, sku: string): Promise<boolean> {
    return this.setQuantity(tx, userId, sku, 0);
  }

  /** Empties the cart (its id stays the user's). */
  async clear(tx: Kysely<AnySchema>, userId: string): Promise<void> {
    await sql`delete from carts where id = ${cartIdOf(userId)}`.execute(tx);
  }

  /**
   * Puts a cancelled order's lines back into the user's cart, added to what is there, within the
   * cart's limits (`planRestore` decides; what does not fit is left out and returned). Locks the cart
   * (creating it as an add does), then the products in a fixed order, as an add does, so a catalog
   * event about one of them is either already in `catalog_products` or finds the written line.
   * A line the cart already holds keeps its name and price (the catalog's events keep it current); a
   * new one takes the newest the cart knows. No `cart.item.added` is published: the shopper added
   * nothing, the units come back.
   */
  async restoreLines(tx: Kysely<AnySchema>, userId: string, lines: readonly LineSnapshot[]): Promise<Restoration> {
    if (lines.length === 0) return { add: [], dropped: [] };
    const cartId = cartIdOf(userId);
    await sql`insert into carts (id, user_id) values (${cartId}, ${userId})
              on conflict (id) do update set updated_at = now()`.execute(tx);
    // Sorted, so two restores sharing products queue rather than deadlock. (Two of the consumer's group
    // transactions can still cross on locks; PostgreSQL then aborts one and its events are retried one by one.)
    const productIds = [...new Set(lines.map((line) => line.productId))].sort();
    for (const productId of productIds) await lockProduct(tx, productId);
    const { rows: current } = await sql<{ sku: string; quantity: number }>`
      select sku, quantity from cart_lines where cart_id = ${cartId} order by seq`.execute(tx);
    const { rows: seen } = await sql<{
      product_id: string;
      name: string | null;
      unit_amount: string | null;
      currency: string | null;
      archived: boolean;
    }>`select product_id, name, unit_amount, currency, archived
       from catalog_products where product_id = any(${productIds}::uuid[])`.execute(tx);
    const known = new Map<string, KnownProduct>(
      seen.map((row) => [
        row.product_id,
        {
          archived: row.archived,
          name: row.name ?? undefined,
          unitAmount: row.unit_amount != null ? Number(row.unit_amount) : undefined,
          currency: row.currency ?? undefined,
        },
      ]),
    );
    const plan = planRestore(current, lines, known);
    for (const line of plan.add) {
      // The plan fits the limits (the cart is locked); the database's check on quantity stays the backstop.
      await sql`insert into cart_lines (cart_id, sku, product_id, name, unit_amount, currency, quantity)
                values (${cartId}, ${line.sku}, ${line.productId}, ${line.name}, ${line.unitAmount}, ${line.currency}, ${line.quantity})
                on conflict (cart_id, sku) do update set quantity = cart_lines.quantity + excluded.quantity`.execute(tx);
    }
    return plan;
  }

  /**
   * Applies a catalog event to every line of the product, and remembers it per product for adds that
   * are in flight: an add asks the catalog first and writes later, so an event handled in between would
   * otherwise miss the line it is about to write. Both sides take the product's lock, so either the
   * event finds the line, or the add finds the event.
   * Returns how many lines changed.
   */
  async applyCatalogChange(tx: Kysely<AnySchema>, change: CatalogChange): Promise<number> {
    await lockProduct(tx, change.productId);
    const name = change.name ?? null;
    const amount = change.price?.amount ?? null;
    const currency = change.price?.currency ?? null;
    const archived = change.archived ?? false;
    await sql`insert into catalog_products (product_id, name, unit_amount, currency, archived, changed_at)
              values (${change.productId}, ${name}::text, ${amount}::bigint, ${currency}::text, ${archived}, clock_timestamp())
              on conflict (product_id) do update set
                name = coalesce(excluded.name, catalog_products.name),
                unit_amount = coalesce(excluded.unit_amount, catalog_products.unit_amount),
                currency = coalesce(excluded.currency, catalog_products.currency),
                archived = catalog_products.archived or excluded.archived,
                changed_at = excluded.changed_at`.execute(tx);
    if (archived) {
      const { rows } = await sql`delete from cart_lines where product_id = ${change.productId} returning sku`.execute(tx);
      return rows.length;
    }
    const { rows } = await sql`
      update cart_lines set
        name = coalesce(${name}::text, name),
        unit_amount = coalesce(${amount}::bigint, unit_amount),
        currency = coalesce(${currency}::text, currency)
      where product_id = ${change.productId}
        and (name, unit_amount, currency) is distinct from
            (coalesce(${name}::text, name), coalesce(${amount}::bigint, unit_amount), coalesce(${currency}::text, currency))
      returning sku`.execute(tx);
    return rows.length;
  }
}

/** Locks the user's cart row for the rest of the transaction; undefined when they have none. */
async function lockCart(tx: Kysely<AnySchema>, userId: string): Promise<string | undefined> {
  const cartId = cartIdOf(userId);
  const { rows } = await sql<{ id: string }>`update carts set updated_at = now() where id = ${cartId} returning id`.execute(tx);
  return rows[0]?.id;
}

/** The advisory lock that serialises an add of a product with the catalog events about it (see `applyCatalogChange`). */
const productLockKey = (productId: string) => `cart.product:${productId}`;

async function lockProduct(tx: Kysely<AnySchema>, productId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${productLockKey(productId)}, 0))`.execute(tx);
}
