import type { Money } from './types.ts';

const formats = new Map<string, Intl.NumberFormat>();

function formatFor(currency: string): Intl.NumberFormat {
  let format = formats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat(undefined, { style: 'currency', currency });
    formats.set(currency, format);
  }
  return format;
}

/** Minor units per major unit: 100 for USD and EUR, 1 for JPY. */
export function minorPerMajor(currency: string): number {
  return 10 ** (formatFor(currency).resolvedOptions().maximumFractionDigits ?? 2);
}

/** `{ amount: 1999, currency: 'USD' }` → `$19.99` in the reader's locale. */
export function formatMoney(money: Money): string {
  return formatFor(money.currency).format(money.amount / minorPerMajor(money.currency));
}

/** A price typed by a person (`19.99`) → minor units, or undefined when it is not a price. */
export function parseMajor(text: string, currency: string): number | undefined {
  const trimmed = text.trim().replace(',', '.');
  if (!/^\d{1,9}(\.\d{1,3})?$/.test(trimmed)) return undefined;
  return Math.round(Number(trimmed) * minorPerMajor(currency));
}
