import { api } from './api.ts';
import { createStore, useStore } from './store.ts';
import type { Page, Product } from './types.ts';

/** A shop sells in one currency (API.md); the app learns it from the catalog's first product. */
const currency = createStore<string | undefined>(undefined);
let asked = false;

export function useShopCurrency(): string | undefined {
  if (!asked) {
    asked = true;
    api<Page<Product>>('/api/products?limit=1')
      .then((page) => currency.set(page.items[0]?.price.currency))
      .catch(() => {
        asked = false;
      });
  }
  return useStore(currency);
}
