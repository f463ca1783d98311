import type { Kysely } from '@mercato/kit';
import { sql } from '@mercato/kit';
import { type Cursor, isDescending, type Sort } from './domain/listing.ts';

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

/** The only file that writes SQL for catalog. */
export class CatalogStore {
  readonly #db: Kysely<unknown>;
  constructor(db: Kysely<unknown>) {
    this.#db = db;
  }

  get db(): Kysely<unknown> {
    return this.#db;
  }

  /** One page of listed products in keyset order; with `q`, only those the full text or a near-spelling matches. */
  async listProducts(query: ListQuery): Promise<ListedRow[]> {
    const q = query.q;
    const filters: Fragment[] = [sql`p.archived_at is null`];
    if (query.category !== undefined) filters.push(sql`p.category = ${query.category}`);
    if (query.minPrice !== undefined) filters.push(sql`p.price_amount >= ${query.minPrice}`);
    if (query.maxPrice !== undefined) filters.push(sql`p.price_amount <= ${query.maxPrice}`);
    let score = sql`0::float8`;
    if (q !== undefined) {
      const tsquery = sql`websearch_to_tsquery('english', ${q}::text)`;
      // Full text (stemmed, weighted A/B/C), or a misspelling of words of the name or category: pg_trgm's
      // strict word similarity compares whole words, at its default threshold of 0.5 ("hedphones" is 0.62
      // from "headphones"; "audio" only 0.3 from "studio", which the looser word_similarity put at 0.5).
      filters.push(sql`(p.search @@ ${tsquery} or p.search_text %>> lower(${q}::text))`);
      // float8 so the value a cursor carries compares equal to the one recomputed for the next page.
      score = sql`(ts_rank(p.search, ${tsquery}) + strict_word_similarity(lower(${q}::text), p.search_text))::float8`;
    }
    const keyColumn = sql.raw(query.sort === 'relevance' ? 'score' : query.sort === 'newest' ? 'created_at' : 'price_amount');
    const direction = sql.raw(isDescending(query.sort) ? 'desc' : 'asc');
    let after = sql`true`;
    if (query.cursor) {
      const key =
        query.sort === 'relevance'
          ? sql`${query.cursor.key}::float8`
          : query.sort === 'newest'
            ? sql`${query.cursor.key}::timestamptz`
            : sql`${query.cursor.key}::bigint`;
      after = sql`(l.${keyColumn}, l.id) ${sql.raw(isDescending(query.sort) ? '<' : '>')} (${key}, ${query.cursor.id}::uuid)`;
    }
    const statement = sql<ListedRow>`
      select l.*, l.${keyColumn} as sort_key from (
        select ${COLUMNS}, ${score} as score from products p where ${sql.join(filters, sql` and `)}
      ) l
      where ${after}
      order by l.${keyColumn} ${direction}, l.id ${direction}
      limit ${query.take}`;
    return (await statement.execute(this.#db)).rows;
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

  /** Locks the listed product for a change, so its old price and its new one are read and written in order. */
  async productForUpdate(tx: Kysely<unknown>, id: string): Promise<ProductRow | undefined> {
    return (await sql<ProductRow>`select ${COLUMNS} from products p where p.id = ${id} and p.archived_at is null for update`.execute(tx))
      .rows[0];
  }

  /** Categories are made on first use; an existing one keeps its name. */
  async ensureCategory(tx: Kysely<unknown>, slug: string, name: string): Promise<void> {
    await sql`insert into categories (slug, name) values (${slug}, ${name}) on conflict (slug) do nothing`.execute(tx);
  }

  /** Throws the database's unique violation when the slug or SKU is taken (see `conflictOf`). */
  async insertProduct(tx: Kysely<unknown>, product: NewProduct): Promise<ProductRow> {
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
  async updateProduct(tx: Kysely<unknown>, id: string, changes: ProductChanges): Promise<ProductRow | undefined> {
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

  /** Archives a listed product; undefined when there is none (or it is archived already). */
  async archiveProduct(tx: Kysely<unknown>, id: string): Promise<ProductRow | undefined> {
    const { rows } = await sql<ProductRow>`update products p set archived_at = now(), updated_at = now()
      where p.id = ${id} and p.archived_at is null returning ${COLUMNS}`.execute(tx);
    return rows[0];
  }

  /** Every category with how many listed products it has. */
  async categories(): Promise<{ slug: string; name: string; product_count: number }[]> {
    return (
      await sql<{ slug: string; name: string; product_count: number }>`
      select c.slug, c.name, count(p.id)::int as product_count
      from categories c left join products p on p.category = c.slug and p.archived_at is null
      group by c.slug, c.name order by c.name, c.slug`.execute(this.#db)
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
}
