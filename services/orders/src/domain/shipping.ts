/**
 * Shipping from a rate table by destination country (ISO 3166-1 alpha-2, `*` for everywhere else),
 * free from a subtotal threshold on. Amounts in minor units.
 */
export interface ShippingPolicy {
  rates: Readonly<Record<string, number>>;
  /** Subtotals at or above this ship free; 0 turns free shipping off. */
  freeFrom: number;
}

export function shippingFor(policy: ShippingPolicy, country: string, subtotal: number): number {
  if (policy.freeFrom > 0 && subtotal >= policy.freeFrom) return 0;
  return policy.rates[country] ?? policy.rates['*'] ?? 0;
}

/** Parses `ORDERS_SHIPPING_RATES` (`{"US":499,"*":1499}`); undefined when it is not such a table. */
export function parseRates(json: string): Record<string, number> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const rates: Record<string, number> = {};
  for (const [country, amount] of Object.entries(parsed)) {
    if (!/^([A-Z]{2}|\*)$/.test(country) || !Number.isSafeInteger(amount) || (amount as number) < 0) return undefined;
    rates[country] = amount as number;
  }
  return rates;
}
