import type { ProductsBySkuResponse } from '@mercato/contracts';
import { CommonProblems, HttpProblem, type ServiceClient } from '@mercato/kit';

export interface CartLine {
  sku: string;
  quantity: number;
}

/** What placement needs from cart and catalog, over their internal routes with this service's token. */
export class Upstreams {
  readonly #client: ServiceClient;
  constructor(client: ServiceClient) {
    this.#client = client;
  }

  /** The cart's lines and its revision (which placement claims, so one cart yields at most one order). */
  async cart(userId: string): Promise<{ revision: string; lines: CartLine[] }> {
    const answer = await this.#call<{ id: string; revision?: string; lines: CartLine[] }>(
      'cart',
      'GET',
      `/internal/carts/${encodeURIComponent(userId)}`,
    );
    if (!answer.revision) throw new Error('the cart service answered a cart without a revision');
    return { revision: answer.revision, lines: answer.lines.map(({ sku, quantity }) => ({ sku, quantity })) };
  }

  async emptyCart(userId: string): Promise<void> {
    await this.#call('cart', 'DELETE', `/internal/carts/${encodeURIComponent(userId)}`);
  }

  /** Current names and prices; unknown and archived SKUs are left out. */
  async products(skus: string[]): Promise<ProductsBySkuResponse['items']> {
    const answer = await this.#call<ProductsBySkuResponse>('catalog', 'POST', '/internal/products/by-sku', { skus });
    return answer.items;
  }

  async #call<T>(service: string, method: string, path: string, body?: unknown): Promise<T> {
    // Unreachable or slow: the client throws 503/504 problems of its own.
    const answer = await this.#client.request<T>(service, { method, path, body });
    if (answer.status >= 200 && answer.status < 300) return answer.body as T;
    throw new HttpProblem(CommonProblems.serviceUnavailable, `The ${service} service answered ${answer.status}; try again.`);
  }
}
