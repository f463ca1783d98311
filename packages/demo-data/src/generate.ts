import { type AttributeValue, authorName, CATEGORIES, type CategorySpec, type ItemSpec } from './categories.ts';
import { createRandom, hash128, type Random } from './random.ts';

/** How many products the demo store has (API.md: at least 200 in at least 8 categories). */
export const DEMO_PRODUCT_COUNT = 240;
/** The seed of the demo store `mercato up` loads on first start. */
export const DEMO_SEED = 'demo';

export interface DemoCategory {
  slug: string;
  name: string;
}

/** A product as the catalog stores it, plus the stock inventory gets for its SKU. */
export interface DemoProduct {
  id: string;
  slug: string;
  name: string;
  description: string;
  /** A category slug. */
  category: string;
  price: { amount: number; currency: string };
  sku: string;
  /** Same-origin paths: the catalog renders each product's picture itself. */
  images: string[];
  attributes: Record<string, AttributeValue>;
  /** Units on hand; always above inventory's default low-stock threshold (5). */
  onHand: number;
  /** How long before the seeding the product was "created", so `sort=newest` has a believable order. */
  ageMs: number;
}

export interface GenerateOptions {
  /** Same seed, same products, on any machine. */
  seed: string;
  count: number;
  /** ISO 4217; prices are in its minor units. Default USD. */
  currency?: string;
}

/** Where the catalog serves a product's generated picture (GET /media/products/{slug}.svg). */
export function productImagePath(slug: string): string {
  return `/media/products/${slug}.svg`;
}

/** Every category the generator uses, in the order products are dealt to them. */
export function demoCategories(): DemoCategory[] {
  return CATEGORIES.map((c) => ({ slug: c.slug, name: c.name }));
}

const DAY_MS = 86_400_000;
/** Products look created over the last six months. */
const SPREAD_MS = 180 * DAY_MS;

/**
 * Generates `count` products, one at a time (100,000 of them need not sit in memory at once).
 * Product i is dealt to category i mod 12 and drawn from a generator seeded with `seed#i`, so the
 * first N products of a larger run are the N products of a smaller one: `mercato seed --products
 * 100000` on top of the demo store adds the rest and skips the 240 it already has.
 */
export function* generateProducts(options: GenerateOptions): Generator<DemoProduct> {
  const currency = options.currency ?? 'USD';
  const toMinor = minorUnitsOf(currency);
  const tag = seedTag(options.seed);
  const taken = new Map<string, number>();
  for (let i = 0; i < options.count; i++) {
    const r = createRandom(`${options.seed}#${i}`);
    const spec = CATEGORIES[i % CATEGORIES.length] as CategorySpec;
    const round = Math.floor(i / CATEGORIES.length);
    // Walk the kinds of item in turn (every kind shows up), from a per-category starting point.
    const item = spec.items[(round + spec.code.charCodeAt(0)) % spec.items.length] as ItemSpec;
    const brand = r.pick(spec.brands);
    const color = item.coloured === false || spec.colors.length === 0 ? undefined : r.pick(spec.colors);
    const materials = item.materials ?? spec.materials;
    const material = materials.length === 0 ? undefined : r.pick(materials);
    const draw = () => (spec.nameOf ? spec.nameOf(r, item) : `${brand} ${r.pick(spec.lines)} ${item.noun}`);
    // A few fresh draws before numbering, so the demo store's names are all different.
    let baseName = draw();
    let named = freshName(baseName, color, taken);
    for (let attempt = 0; attempt < 4 && !named; attempt++) {
      baseName = draw();
      named = freshName(baseName, color, taken);
    }
    const { name, slug } = named ?? numberedName(baseName, color, taken);

    const attributes: Record<string, AttributeValue> = spec.slug === 'books' ? { author: authorName(r), publisher: brand } : { brand };
    if (color) attributes.color = color;
    if (material) attributes.material = material;
    Object.assign(attributes, item.attributes?.(r) ?? {});

    const fill = { name, brand, noun: item.noun.toLowerCase(), color, material };
    const description = [
      template(r.pick(spec.openers), fill),
      ...pickSome(r, item.details, 2).map((s) => template(s, fill)),
      template(r.pick(spec.closers.filter((c) => fits(c, fill))), fill),
    ]
      .filter(Boolean)
      .join(' ');

    yield {
      id: uuidFrom(r),
      slug,
      name,
      description,
      category: spec.slug,
      price: { amount: toMinor(charmPrice(r, item.price)), currency },
      sku: `${spec.code}-${tag}-${String(i + 1).padStart(5, '0')}`,
      images: [productImagePath(slug)],
      attributes,
      onHand: 6 + Math.floor(r.next() ** 2 * 245),
      ageMs: Math.floor(r.next() * SPREAD_MS),
    };
  }
}

/** Four letters and digits from the seed, so two bulk seeds never share a SKU. */
export function seedTag(seed: string): string {
  return (hash128(seed)[0] % 36 ** 4).toString(36).toUpperCase().padStart(4, '0');
}

/**
 * A name not used yet, and its slug: the base name, or else with the colour ("… – Navy"), as a shop
 * lists colourways; undefined when both are taken.
 */
function freshName(base: string, color: string | undefined, taken: Map<string, number>): { name: string; slug: string } | undefined {
  for (const name of color ? [base, `${base} – ${capitalise(color)}`] : [base]) {
    const slug = slugify(name);
    if (!taken.has(slug)) {
      taken.set(slug, 1);
      return { name, slug };
    }
  }
  return undefined;
}

/** A repeated name keeps its words and gets a numbered slug (`…-navy-2`): slugs stay unique within a run, as the catalog needs. */
function numberedName(base: string, color: string | undefined, taken: Map<string, number>): { name: string; slug: string } {
  const name = color ? `${base} – ${capitalise(color)}` : base;
  const root = slugify(name);
  let n = (taken.get(root) ?? 1) + 1;
  while (taken.has(`${root}-${n}`)) n += 1;
  taken.set(root, n);
  const slug = `${root}-${n}`;
  taken.set(slug, 1);
  return { name, slug };
}

/** Lowercase words joined by dashes, as the catalog wants slugs ("Chef's Knife" → "chefs-knife"). */
export function slugify(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/&/g, ' and ')
    .replace(/['’"]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 90)
    .replace(/-+$/, '');
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

type Fill = { name: string; brand: string; noun: string; color: string | undefined; material: string | undefined };

/** Whether every placeholder of a sentence has a value (a book has no colour). */
function fits(sentence: string, fill: Fill): boolean {
  return [...sentence.matchAll(/\{(\w+)\}/g)].every((m) => fill[m[1] as keyof Fill] !== undefined);
}

function template(sentence: string, fill: Fill): string {
  if (!fits(sentence, fill)) return '';
  return sentence.replace(/\{(\w+)\}/g, (_, key: string) => String(fill[key as keyof Fill]));
}

function pickSome<T>(r: Random, items: readonly T[], n: number): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < n && pool.length > 0) out.push(pool.splice(Math.floor(r.next() * pool.length), 1)[0] as T);
  return out;
}

/**
 * A shop's kind of price in cents: under 20 ends in .99 (12.99), under 100 a multiple of five less
 * a cent (44.99), above that a multiple of ten less a cent (249.99). Cheaper prices are likelier.
 */
function charmPrice(r: Random, [min, max]: readonly [number, number]): number {
  const major = min + r.next() ** 1.6 * (max - min);
  if (major < 20) return Math.floor(major) * 100 + 99;
  if (major < 100) return Math.max(4, Math.round(major / 5)) * 500 - 1;
  return Math.round(major / 10) * 1000 - 1;
}

/**
 * Cents to the currency's minor units: two-decimal currencies keep them (24.99 USD = 2499); a currency
 * without decimals reads them as whole units (¥2,499, a believable price too); three decimals add a zero.
 */
function minorUnitsOf(currency: string): (cents: number) => number {
  let digits = 2;
  try {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    // An unknown code: two decimals, like most currencies.
  }
  return digits <= 2 ? (cents) => cents : (cents) => cents * 10 ** (digits - 2);
}

/** A version-4-shaped UUID from the seeded generator, so the same seed gives the same ids. */
function uuidFrom(r: Random): string {
  const words = [0, 1, 2, 3].map(() => Math.floor(r.next() * 2 ** 32));
  const hex = words.map((w) => w.toString(16).padStart(8, '0')).join('');
  const variant = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
