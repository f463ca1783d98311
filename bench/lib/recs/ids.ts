/**
 * Deterministic UUID-shaped ids for synthetic products and shoppers, made from (kind, index, seed)
 * alone, so a shopper's id can be made again for every event without keeping a million strings: the
 * model then holds its own copy of each id, as it does in the service where ids arrive as JSON.
 */
function mix(value: number): number {
  // murmur3's finaliser: every input bit flips about half the output bits.
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const hex = (value: number, digits: number) =>
  value
    .toString(16)
    .padStart(8, '0')
    .slice(8 - digits);

function uuid(kind: number, index: number, seed: number): string {
  const a = mix(index ^ mix(seed + kind));
  const b = mix(a + 1);
  const c = mix(b + 2);
  // The index leads, so ids sort in creation order as UUIDv7s do (ProductShelf.newest relies on it).
  return `${hex(index, 8)}-${hex(a, 4)}-7${hex(a >>> 16, 3)}-8${hex(b, 3)}-${hex(b >>> 12, 4)}${hex(c, 8)}`;
}

export const productId = (index: number, seed: number): string => uuid(1, index, seed);
export const userId = (index: number, seed: number): string => uuid(2, index, seed);
