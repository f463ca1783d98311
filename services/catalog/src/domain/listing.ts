/**
 * How GET /api/products orders and pages: keyset pagination on (sort key, id), so a walk through the
 * pages never repeats or skips a product while others are added. Pure: no I/O.
 */

export const SORTS = ['relevance', 'price_asc', 'price_desc', 'newest'] as const;
export type Sort = (typeof SORTS)[number];

/** Where the previous page ended: the sort it was made for, the last item's sort key and its id. */
export interface Cursor {
  sort: Sort;
  /** relevance: the score (a float8); price_*: the amount in minor units; newest: `createdAt` (ISO, ms). */
  key: number | string;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * `relevance` by default when there is a query, else `newest` (API.md). Relevance without a query has
 * nothing to rank by, so it lists newest first (and its cursors say `newest`).
 */
export function effectiveSort(requested: Sort | undefined, hasQuery: boolean): Sort {
  const sort = requested ?? (hasQuery ? 'relevance' : 'newest');
  return sort === 'relevance' && !hasQuery ? 'newest' : sort;
}

/** Descending sorts compare `(key, id) < cursor`, ascending ones `>`; ties on the key are ordered by id the same way. */
export function isDescending(sort: Sort): boolean {
  return sort !== 'price_asc';
}

/** Opaque to clients: base64url of `[sort, key, id]`. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, cursor.key, cursor.id])).toString('base64url');
}

/** The cursor, or undefined when it is not one this listing could have given out for `sort`. */
export function decodeCursor(text: string, sort: Sort): Cursor | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) return undefined;
  const [cursorSort, key, id] = parsed as unknown[];
  if (cursorSort !== sort || typeof id !== 'string' || !isUuid(id)) return undefined;
  if (!validKey(sort, key)) return undefined;
  return { sort, key: key as number | string, id };
}

function validKey(sort: Sort, key: unknown): boolean {
  switch (sort) {
    case 'relevance':
      return typeof key === 'number' && Number.isFinite(key);
    case 'price_asc':
    case 'price_desc':
      return typeof key === 'number' && Number.isSafeInteger(key) && key >= 0;
    case 'newest':
      return typeof key === 'string' && ISO_MS.test(key) && !Number.isNaN(Date.parse(key));
  }
}

/** A category made on first use gets a name from its slug: `home-audio` → `Home audio`. */
export function categoryNameOf(slug: string): string {
  const words = slug.replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
