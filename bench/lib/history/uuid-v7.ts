import { sql } from '@mercato/kit';

/**
 * SQL for the UUIDv7 a row made at `at` gets (`uuidv7()` of the kit): the time in its first 48 bits,
 * so id order is time order, which the stores' lists and the inbox rely on; `i` (an integer column)
 * makes the rest. Both are column names of the select it is used in.
 */
export function uuidv7At(at: string, i: string) {
  return sql.raw(
    `(lpad(to_hex((extract(epoch from ${at}) * 1000)::bigint), 12, '0') || '7' || substr(md5(${i}::text), 1, 3) || '8' || substr(md5(${i}::text), 4, 15))::uuid`,
  );
}
