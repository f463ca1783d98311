/**
 * A product's picture, drawn from what the catalog knows about it: a tinted card in the product's
 * colour (or one derived from its slug), a line drawing for its kind of thing, its category and its
 * name. Pure and deterministic: the same product gives the same bytes, so the ETag is stable. The SVG
 * has no script, no link and no external reference (fonts are the system's), so it is safe to serve
 * from the shop's own origin.
 */

export interface ArtSubject {
  slug: string;
  name: string;
  /** A category slug, e.g. `toys-and-games`. */
  category: string;
  /** A colour name from the product's attributes ("navy", "forest green"), if it has one. */
  color?: string;
}

const SIZE = 800;

/** Colour names the demo store (and most shops) use, as a mid-tone that white line art reads on. */
const NAMED_COLOURS: Record<string, string> = {
  amber: '#c98a2e',
  beige: '#b9a88a',
  black: '#3a3d42',
  'blush pink': '#d48a96',
  blue: '#3f78c0',
  brown: '#8a5a3b',
  burgundy: '#8c2f45',
  charcoal: '#4a4f57',
  cream: '#c8b992',
  'forest green': '#2f6b4a',
  gold: '#b8902f',
  green: '#3f9a5a',
  grey: '#7a8088',
  mustard: '#c59a2a',
  natural: '#b59d7a',
  navy: '#2b3f66',
  oat: '#b8a57f',
  olive: '#6d7440',
  orange: '#d9772e',
  pink: '#d47a9a',
  plum: '#6e3f6b',
  purple: '#6f4fa0',
  red: '#c2453d',
  rust: '#a5512c',
  sage: '#7f9a7c',
  sand: '#c2a878',
  silver: '#8d949c',
  'sky blue': '#5b9bd0',
  'slate grey': '#5f6b78',
  teal: '#2f8a88',
  terracotta: '#b8603f',
  white: '#9aa3ad',
  yellow: '#d6aa2a',
};

type Glyph =
  | 'headphones'
  | 'laptop'
  | 'mug'
  | 'lamp'
  | 'shirt'
  | 'shoe'
  | 'tent'
  | 'dumbbell'
  | 'book'
  | 'blocks'
  | 'bottle'
  | 'plant'
  | 'tag';

/** Which drawing fits: the category's words first, then the name's; a price tag for anything else. */
const GLYPH_WORDS: [RegExp, Glyph][] = [
  [/headphone|earbud|speaker|audio|sound|radio|microphone|turntable|music/, 'headphones'],
  [/laptop|comput|keyboard|mouse|monitor|webcam|ssd|usb|electronic/, 'laptop'],
  [/kitchen|mug|kettle|coffee|cup|pan|skillet|knife|oven|french press|grinder|cook/, 'mug'],
  [/\bhome\b|lamp|light|decor|candle|vase|clock|pillow|blanket|towel|basket|print|furniture/, 'lamp'],
  [/cloth|apparel|shirt|sweater|sweatshirt|hoodie|jacket|trousers|vest|beanie|dress|fashion/, 'shirt'],
  [/foot|shoe|sneaker|boot|sandal|slipper|runner/, 'shoe'],
  [/outdoor|tent|camp|hik|backpack|daypack|sleeping bag|hammock|headlamp|trek/, 'tent'],
  [/fitness|sport|dumbbell|yoga|kettlebell|gym|resistance|roller|jump rope|tracker/, 'dumbbell'],
  [/book|novel|guide|magazine/, 'book'],
  [/toy|game|puzzle|block|plush|kite|marble|remote control/, 'blocks'],
  [/beauty|cosmetic|cream|shampoo|balm|wash|cleanser|oil|soap|toothbrush|moistur|perfume/, 'bottle'],
  [/garden|plant|planter|seed|shears|watering|bird|hose|flower/, 'plant'],
];

/** Line drawings in a 300×300 box centred on (0, 0), stroked in the card's ink colour. */
const GLYPHS: Record<Glyph, string> = {
  headphones:
    '<path d="M-105 30 V0 A105 105 0 0 1 105 0 V30"/><rect x="-130" y="10" width="50" height="95" rx="20"/><rect x="80" y="10" width="50" height="95" rx="20"/>',
  laptop: '<rect x="-110" y="-90" width="220" height="145" rx="12"/><path d="M-140 80 H140 L120 55 H-120 Z"/><path d="M-20 68 H20"/>',
  mug: '<path d="M-85 -60 H55 V60 A30 30 0 0 1 25 90 H-55 A30 30 0 0 1 -85 60 Z"/><path d="M55 -30 H80 A30 30 0 0 1 80 40 H55"/><path d="M-45 -95 q15 -15 0 -30 M-10 -95 q15 -15 0 -30 M25 -95 q15 -15 0 -30"/>',
  lamp: '<path d="M-80 -10 L-45 -110 H45 L80 -10 Z"/><path d="M0 -10 V85"/><path d="M-55 100 H55"/>',
  shirt:
    '<path d="M-45 -110 Q0 -80 45 -110 L125 -65 L100 -10 L70 -25 V110 H-70 V-25 L-100 -10 L-125 -65 Z"/><path d="M-45 -110 Q0 -60 45 -110"/>',
  shoe: '<path d="M-140 40 V-30 Q-100 -20 -70 -60 L-20 -40 Q20 0 90 10 Q140 20 140 50 V70 H-140 Z"/><path d="M-140 45 H140"/><path d="M-60 -45 L-40 -15 M-35 -35 L-15 -5"/>',
  tent: '<path d="M-140 95 L0 -110 L140 95 Z"/><path d="M0 -110 L-35 95 M0 -110 L35 95"/><path d="M-170 95 H170"/>',
  dumbbell:
    '<path d="M-75 0 H75"/><rect x="-125" y="-55" width="40" height="110" rx="10"/><rect x="85" y="-55" width="40" height="110" rx="10"/><rect x="-155" y="-35" width="30" height="70" rx="8"/><rect x="125" y="-35" width="30" height="70" rx="8"/>',
  book: '<path d="M0 -80 Q-60 -110 -135 -90 V95 Q-60 75 0 105 Q60 75 135 95 V-90 Q60 -110 0 -80 Z"/><path d="M0 -80 V105"/>',
  blocks:
    '<rect x="-120" y="10" width="100" height="100" rx="10"/><rect x="20" y="10" width="100" height="100" rx="10"/><rect x="-50" y="-110" width="100" height="100" rx="10"/><circle cx="0" cy="-60" r="15"/>',
  bottle:
    '<rect x="-25" y="-125" width="50" height="35" rx="6"/><path d="M-15 -90 V-70 Q-70 -55 -70 -10 V95 Q-70 115 -50 115 H50 Q70 115 70 95 V-10 Q70 -55 15 -70 V-90"/><path d="M-70 10 H70"/>',
  plant:
    '<path d="M-70 30 H70 L50 120 H-50 Z"/><path d="M0 30 V-40"/><path d="M0 -20 Q-70 -30 -80 -100 Q-10 -95 0 -20 Z"/><path d="M0 -40 Q60 -50 80 -120 Q10 -115 0 -40 Z"/>',
  tag: '<path d="M-120 -60 L-40 -130 H110 V20 L40 100 Z" transform="rotate(45)"/><circle cx="60" cy="-60" r="14"/>',
};

export function productSvg(subject: ArtSubject): string {
  const hash = fnv1a(subject.slug);
  const base = baseColour(subject.color, hash);
  const light = mix(base, '#ffffff', 0.35);
  const dark = mix(base, '#000000', 0.25);
  const glyph = glyphFor(subject.category, subject.name);
  const lines = wrap(subject.name, 22, 3);
  const label = subject.category.replace(/-/g, ' ').toUpperCase();
  // Two soft circles placed from the slug's hash, so products of one kind do not all look the same.
  const c1 = { x: 120 + (hash % 560), y: 80 + ((hash >>> 8) % 200), r: 90 + ((hash >>> 16) % 90) };
  const c2 = { x: 120 + ((hash >>> 4) % 560), y: 420 + ((hash >>> 12) % 180), r: 60 + ((hash >>> 20) % 80) };
  // Unique per product: several pictures inlined in one page must not share (and override) a gradient.
  const gradient = `bg-${hash.toString(36)}`;
  const textTop = 640 - (lines.length - 1) * 25;
  const text = lines
    .map(
      (line, i) => `<text x="400" y="${textTop + i * 50}" text-anchor="middle" font-size="40" font-weight="600">${escapeXml(line)}</text>`,
    )
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}" role="img" aria-label="${escapeXml(subject.name)}">` +
    `<title>${escapeXml(subject.name)}</title>` +
    `<defs><linearGradient id="${gradient}" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${light}"/><stop offset="1" stop-color="${dark}"/></linearGradient></defs>` +
    `<rect width="${SIZE}" height="${SIZE}" fill="url(#${gradient})"/>` +
    `<circle cx="${c1.x}" cy="${c1.y}" r="${c1.r}" fill="#ffffff" fill-opacity="0.10"/>` +
    `<circle cx="${c2.x}" cy="${c2.y}" r="${c2.r}" fill="#ffffff" fill-opacity="0.08"/>` +
    `<circle cx="400" cy="330" r="200" fill="#ffffff" fill-opacity="0.16"/>` +
    `<g transform="translate(400 330)" fill="none" stroke="#ffffff" stroke-width="12" stroke-linecap="round" stroke-linejoin="round">${GLYPHS[glyph]}</g>` +
    `<g font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif" fill="#ffffff">` +
    `<text x="400" y="80" text-anchor="middle" font-size="24" letter-spacing="4" fill-opacity="0.85">${escapeXml(label)}</text>` +
    `${text}</g></svg>`
  );
}

export function glyphFor(category: string, name: string): Glyph {
  const categoryWords = category.replace(/-/g, ' ').toLowerCase();
  const nameWords = name.toLowerCase();
  for (const words of [categoryWords, nameWords]) {
    for (const [pattern, glyph] of GLYPH_WORDS) if (pattern.test(words)) return glyph;
  }
  return 'tag';
}

function baseColour(color: string | undefined, hash: number): string {
  const named = color ? NAMED_COLOURS[color.toLowerCase()] : undefined;
  if (named) return named;
  // No known colour: a hue from the slug, at a saturation and lightness white text reads on.
  return hslToHex(hash % 360, 0.42, 0.46);
}

/** Words into at most `maxLines` lines of about `width` characters; the last one ends with … when cut. */
function wrap(text: string, width: number, maxLines: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (current && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else {
      current = current ? `${current} ${word}` : word;
    }
  }
  if (current) lines.push(current);
  if (lines.length <= maxLines) return lines.map((l) => (l.length > width + 8 ? `${l.slice(0, width + 7)}…` : l));
  const kept = lines.slice(0, maxLines);
  const last = kept[maxLines - 1] as string;
  kept[maxLines - 1] = `${last.slice(0, width - 1)}…`;
  return kept;
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** FNV-1a, 32 bits: a quick, stable hash of the slug. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function mix(hex: string, other: string, amount: number): string {
  const a = rgb(hex);
  const b = rgb(other);
  return toHex(a.map((v, i) => Math.round(v + ((b[i] as number) - v) * amount)));
}

function rgb(hex: string): number[] {
  return [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
}

function toHex(parts: number[]): string {
  return `#${parts.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

function hslToHex(h: number, s: number, l: number): string {
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
  return toHex([f(0), f(8), f(4)].map((v) => Math.round(v * 255)));
}
