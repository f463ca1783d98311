import { type CatalogProduct, PriceChanged, ProductCreated, ProductDeleted, ProductUpdated } from '@mercato/contracts';
import type { Kysely, Outbox } from '@mercato/kit';
import { sql } from '@mercato/kit';
import { type Cursor, categoryNameOf, isDescending, type Sort } from './domain/listing.ts';
import { ListingMemo } from './listing-memo.ts';
import { productView } from './product-view.ts';

export interface ProductRow {
  id: string;
  slug: string;
  name: string;
  description: string;
  category: string;
  /** bigint: pg hands it over as a string. */
  price_amount: string;
  currency: string;
  sku: string;
  images: string[];
  attributes: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

/** A listed row with the value it was ordered by (relevance score, price or creation time). */
export type ListedRow = ProductRow & { sort_key: number | string | Date };

export interface NewProduct {
  id: string;
  slug: string;
  name: string;
  description: string;
  category: string;
  priceAmount: number;
  currency: string;
  sku: string;
  images: string[];
  attributes: Record<string, unknown>;
}

export type ProductChanges = Partial<Omit<NewProduct, 'id'>>;

export interface ListQuery {
  q: string | undefined;
  category: string | undefined;
  minPrice: number | undefined;
  maxPrice: number | undefined;
  sort: Sort;
  cursor: Cursor | undefined;
  /** Rows to read: the page size plus one, to know whether there is a next page. */
  take: number;
}

/** A piece of SQL with its parameters. */
type Fragment = ReturnType<typeof sql>;

const COLUMNS = sql`p.id, p.slug, p.name, p.description, p.category, p.price_amount, p.currency, p.sku, p.images, p.attributes, p.created_at, p.updated_at`;

/** The unique index a write broke, as the routes answer it (409). */
export type Conflict = 'slug_taken' | 'sku_taken';

/** Which uniqueness a failed write broke, or undefined for any other error. */
export function conflictOf(error: unknown): Conflict | undefined {
  const e = error as { code?: string; constraint?: string };
  if (e?.code !== '23505') return undefined;
  if (e.constraint === 'products_slug_listed') return 'slug_taken';
  if (e.constraint === 'products_sku_key') return 'sku_taken';
  return undefined;
}

/** The only file that writes SQL for catalog, and the one that publishes its events, each with the change it announces. */
export class CatalogStore {
  readonly #db: Kysely<unknown>;
  readonly #outbox: Outbox;
  /**
   * A full-text search ranks every match: 50–90 ms for a common word on a 100k catalog, and the same
   * searches come again and again. 256 pages of up to 101 rows.
   */
  readonly #listings = new ListingMemo<ListedRow[]>(256);
  constructor(db: Kysely<unknown>, outbox: Outbox) {
    this.#db = db;
    this.#outbox = outbox;
  }

  get db(): Kysely<unknown> {
    return this.#db;
  }

  /**
   * One page of listed products in keyset order; with `q`, those the full text matches, or — when it
   * matches none — those the query matches once its misspelt words are corrected ("hedphones" →
   * headphones). Whether the full text matches anything decides for the whole listing, so every page of
   * a walk takes the same branch.
   */
  async listProducts(query: ListQuery): Promise<ListedRow[]> {
    // Read before the page: a write committing in between can only make the kept page newer than its label, and
    // every later listing reads the higher version, so a page is never served older than the last committed write.
    const { rows } = await sql<{ n: string }>`select n from listing_version`.execute(this.#db);
    return this.#listings.get(JSON.stringify(query), rows[0]?.n ?? '', () => this.#listUncached(query));
  }

  async #listUncached(query: ListQuery): Promise<ListedRow[]> {
    if (query.q === undefined) return this.#page(query, undefined);
    const rows = await this.#page(query, query.q);
    if (rows.length > 0) return rows;
    // An empty page after a cursor may just be the end of a full-text listing.
    if (query.cursor && (await this.#anyFullTextMatch(query, query.q))) return rows;
    const corrected = await this.#corrected(query.q);
    return corrected === undefined ? rows : this.#page(query, corrected);
  }

  /**
   * The page's ids and sort keys are chosen first, then only those rows are read in full: sorting the
   * 6,600 matches of "black" moves ids and scores, not whole products (220 ms → 17 ms, ADR 11).
   */
  async #page(query: ListQuery, q: string | undefined): Promise<ListedRow[]> {
    const filters = this.#filters(query);
    let key: Fragment;
    if (q !== undefined) {
      const tsquery = sql`websearch_to_tsquery('english', ${q}::text)`;
      filters.push(sql`p.search @@ ${tsquery}`);
    }
    if (query.sort === 'relevance') {
      // Weighted: a word in the name (A) counts more than in the category (B), more than in the description (C).
      // float8 so the value a cursor carries compares equal to the one recomputed for the next page.
      key = q === undefined ? sql`0::float8` : sql`ts_rank(p.search, websearch_to_tsquery('english', ${q}::text))::float8`;
    } else {
      key = sql.raw(query.sort === 'newest' ? 'p.created_at' : 'p.price_amount');
    }
    const direction = sql.raw(isDescending(query.sort) ? 'desc' : 'asc');
    let after = sql`true`;
    if (query.cursor) {
      const cursorKey =
        query.sort === 'relevance'
          ? sql`${query.cursor.key}::float8`
          : query.sort === 'newest'
            ? sql`${query.cursor.key}::timestamptz`
            : sql`${query.cursor.key}::bigint`;
      after = sql`(m.sort_key, m.id) ${sql.raw(isDescending(query.sort) ? '<' : '>')} (${cursorKey}, ${query.cursor.id}::uuid)`;
    }
    // A relevance score is computed once per row (OFFSET 0 keeps the planner from copying it into the cursor
    // test); price and time keys stay visible to the planner, so a cursor walks their index from where it was.
    const fence = query.sort === 'relevance' && q !== undefined ? sql` offset 0` : sql``;
    const statement = sql<ListedRow>`
      with page as (
        select m.id, m.sort_key from (
          select p.id, ${key} as sort_key from products p where ${sql.join(filters, sql` and `)}${fence}
        ) m
        where ${after}
        order by m.sort_key ${direction}, m.id ${direction}
        limit ${query.take}
      )
      select ${COLUMNS}, page.sort_key from page join products p on p.id = page.id
      order by page.sort_key ${direction}, page.id ${direction}`;
    return (await statement.execute(this.#db)).rows;
  }

  #filters(query: ListQuery): Fragment[] {
    const filters: Fragment[] = [sql`p.archived_at is null`];
    if (query.category !== undefined) filters.push(sql`p.category = ${query.category}`);
    if (query.minPrice !== undefined) filters.push(sql`p.price_amount >= ${query.minPrice}`);
    if (query.maxPrice !== undefined) filters.push(sql`p.price_amount <= ${query.maxPrice}`);
    return filters;
  }

  async #anyFullTextMatch(query: ListQuery, q: string): Promise<boolean> {
    const filters = [...this.#filters(query), sql`p.search @@ websearch_to_tsquery('english', ${q}::text)`];
    const { rows } = await sql<{
      found: boolean;
    }>`select exists (select 1 from products p where ${sql.join(filters, sql` and `)}) as found`.execute(this.#db);
    return rows[0]?.found ?? false;
  }

  /**
   * The query with each word replaced by the nearest word of a product name or category (pg_trgm
   * similarity at least 0.5, the extension's default threshold: "hedphones" is 0.62 from "headphones",
   * "audio" only 0.3 from "studio"); undefined when no word changes.
   */
  async #corrected(q: string): Promise<string | undefined> {
    const words = [...new Set(q.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? [])];
    if (words.length === 0) return undefined;
    const { rows } = await sql<{ given: string; near: string | null }>`
      select g.word as given, (
        select s.word from search_words s
        where s.word % g.word and similarity(s.word, g.word) >= 0.5
        order by similarity(s.word, g.word) desc, s.word limit 1
      ) as near
      from unnest(${words}::text[]) as g (word)`.execute(this.#db);
    const nearest = new Map(rows.filter((r) => r.near && r.near !== r.given).map((r) => [r.given, r.near as string]));
    if (nearest.size === 0) return undefined;
    return q.replace(/[\p{L}\p{N}]{3,}/gu, (word) => nearest.get(word.toLowerCase()) ?? word);
  }

  /** A listed product by id; archived ones are gone. */
  async productById(id: string): Promise<ProductRow | undefined> {
    return (await sql<ProductRow>`select ${COLUMNS} from products p where p.id = ${id} and p.archived_at is null`.execute(this.#db))
      .rows[0];
  }

  async productBySlug(slug: string): Promise<ProductRow | undefined> {
    return (await sql<ProductRow>`select ${COLUMNS} from products p where p.slug = ${slug} and p.archived_at is null`.execute(this.#db))
      .rows[0];
  }

  /**
   * Lists a new product (its category made on first use) and publishes `catalog.product.created.v1`,
   * in one transaction. Throws the database's unique violation when the slug or SKU is taken (see `conflictOf`).
   */
  async createProduct(product: NewProduct, traceparent?: string): Promise<CatalogProduct> {
    return this.#db.transaction().execute(async (tx) => {
      await this.#ensureCategory(tx, product.category, categoryNameOf(product.category));
      const view = productView(await this.#insertProduct(tx, product));
      await this.#outbox.publish(tx, ProductCreated, { subject: view.id, data: { product: view }, traceparent });
      return view;
    });
  }

  /**
   * Applies the given fields to a listed product and publishes `catalog.product.updated.v1`, and
   * `catalog.price.changed.v1` when the price moved, in one transaction; undefined when there is no
   * such product. Throws the database's unique violation when the slug or SKU is taken.
   */
  async changeProduct(id: string, changes: ProductChanges, traceparent?: string): Promise<CatalogProduct | undefined> {
    return this.#db.transaction().execute(async (tx) => {
      const before = await this.#productForUpdate(tx, id);
      if (!before) return undefined;
      if (changes.category !== undefined) await this.#ensureCategory(tx, changes.category, categoryNameOf(changes.category));
      const after = await this.#updateProduct(tx, id, changes);
      if (!after) return undefined;
      const view = productView(after);
      await this.#outbox.publish(tx, ProductUpdated, { subject: view.id, data: { product: view }, traceparent });
      if (priceChanged(before, after)) {
        await this.#outbox.publish(tx, PriceChanged, {
          subject: view.id,
          data: { productId: view.id, sku: view.sku, price: view.price },
          traceparent,
        });
      }
      return view;
    });
  }

  /** Archives a listed product and publishes `catalog.product.deleted.v1`, in one transaction; false when there is none (or it is archived already). */
  async archiveProduct(id: string, traceparent?: string): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      const { rows } = await sql<ProductRow>`update products p set archived_at = now(), updated_at = now()
        where p.id = ${id} and p.archived_at is null returning ${COLUMNS}`.execute(tx);
      const row = rows[0];
      if (!row) return false;
      await this.#outbox.publish(tx, ProductDeleted, { subject: row.id, data: { productId: row.id, sku: row.sku }, traceparent });
      return true;
    });
  }

  /** Locks the listed product for a change, so its old price and its new one are read and written in order. */
  async #productForUpdate(tx: Kysely<unknown>, id: string): Promise<ProductRow | undefined> {
    return (await sql<ProductRow>`select ${COLUMNS} from products p where p.id = ${id} and p.archived_at is null for update`.execute(tx))
      .rows[0];
  }

  /** Categories are made on first use; an existing one keeps its name. */
  async #ensureCategory(tx: Kysely<unknown>, slug: string, name: string): Promise<void> {
    await sql`insert into categories (slug, name) values (${slug}, ${name}) on conflict (slug) do nothing`.execute(tx);
  }

  /** Throws the database's unique violation when the slug or SKU is taken (see `conflictOf`). */
  async #insertProduct(tx: Kysely<unknown>, product: NewProduct): Promise<ProductRow> {
    const { rows } = await sql<ProductRow>`
      insert into products as p (id, slug, name, description, category, price_amount, currency, sku, images, attributes)
      values (${product.id}, ${product.slug}, ${product.name}, ${product.description}, ${product.category}, ${product.priceAmount},
        ${product.currency}, ${product.sku}, ${product.images}::text[], ${JSON.stringify(product.attributes)}::jsonb)
      returning ${COLUMNS}`.execute(tx);
    const row = rows[0];
    if (!row) throw new Error('insert returned no row');
    return row;
  }

  /** Applies the given fields only; throws the database's unique violation when the slug or SKU is taken. */
  async #updateProduct(tx: Kysely<unknown>, id: string, changes: ProductChanges): Promise<ProductRow | undefined> {
    const sets: Fragment[] = [sql`updated_at = now()`];
    if (changes.slug !== undefined) sets.push(sql`slug = ${changes.slug}`);
    if (changes.name !== undefined) sets.push(sql`name = ${changes.name}`);
    if (changes.description !== undefined) sets.push(sql`description = ${changes.description}`);
    if (changes.category !== undefined) sets.push(sql`category = ${changes.category}`);
    if (changes.priceAmount !== undefined) sets.push(sql`price_amount = ${changes.priceAmount}`);
    if (changes.currency !== undefined) sets.push(sql`currency = ${changes.currency}`);
    if (changes.sku !== undefined) sets.push(sql`sku = ${changes.sku}`);
    if (changes.images !== undefined) sets.push(sql`images = ${changes.images}::text[]`);
    if (changes.attributes !== undefined) sets.push(sql`attributes = ${JSON.stringify(changes.attributes)}::jsonb`);
    const { rows } = await sql<ProductRow>`update products p set ${sql.join(sets)}
      where p.id = ${id} and p.archived_at is null returning ${COLUMNS}`.execute(tx);
    return rows[0];
  }

  /**
   * Every category with how many listed products it has: one count per category over the partial index
   * on listed products' category (an index-only scan), where a join grouped all 100,000 rows (330 ms).
   */
  async categories(): Promise<{ slug: string; name: string; product_count: number }[]> {
    return (
      await sql<{ slug: string; name: string; product_count: number }>`
      select c.slug, c.name,
        (select count(*) from products p where p.category = c.slug and p.archived_at is null)::int as product_count
      from categories c order by c.name, c.slug`.execute(this.#db)
    ).rows;
  }

  /** The listed products behind these SKUs; unknown and archived ones are left out. */
  async productsBySku(skus: string[]): Promise<Pick<ProductRow, 'id' | 'sku' | 'name' | 'price_amount' | 'currency'>[]> {
    return (
      await sql<Pick<ProductRow, 'id' | 'sku' | 'name' | 'price_amount' | 'currency'>>`
      select id, sku, name, price_amount, currency from products
      where sku = any(${skus}::text[]) and archived_at is null order by sku`.execute(this.#db)
    ).rows;
  }

  /** Listed products' summary fields: the ones named (any order), or a page of all of them in id order after `after`. */
  async productSummaries(query: { ids: string[] } | { after: string | undefined; limit: number }): Promise<SummaryRow[]> {
    const columns = sql`id, slug, name, price_amount, currency, images, category`;
    const statement =
      'ids' in query
        ? sql`select ${columns} from products where id = any(${query.ids}::uuid[]) and archived_at is null order by id`
        : sql`select ${columns} from products
              where archived_at is null and id > coalesce(${query.after ?? null}::uuid, '00000000-0000-0000-0000-000000000000')
              order by id limit ${query.limit}`;
    return (await statement.execute(this.#db)).rows as SummaryRow[];
  }
}

type SummaryRow = Pick<ProductRow, 'id' | 'slug' | 'name' | 'price_amount' | 'currency' | 'images' | 'category'>;

function priceChanged(before: ProductRow, after: ProductRow): boolean {
  return before.price_amount !== after.price_amount || before.currency !== after.currency;
}
