import { CartToPlace, ProductsBySkuResponse } from '@mercato/contracts';
import { CommonProblems, HttpProblem, type ServiceClient } from '@mercato/kit';
import { Compile } from 'typebox/compile';

const validCart = Compile(CartToPlace);
const validProducts = Compile(ProductsBySkuResponse);

/**
 * What placement needs from cart and catalog, over their internal routes with this service's token.
 * Each answer is checked against its contract before use: an answer that is not a 2xx of the
 * contract's shape is a 503 for the shopper (nothing they can fix; trying again later may work).
 */
export class Upstreams {
  readonly #client: ServiceClient;
  constructor(client: ServiceClient) {
    this.#client = client;
  }

  /** The cart's lines and its revision (which placement claims, so one cart yields at most one order). */
  async cart(userId: string): Promise<CartToPlace> {
    const answer = await this.#call('cart', 'GET', `/internal/carts/${encodeURIComponent(userId)}`);
    if (!validCart.Check(answer)) throw unexpected('cart');
    return { revision: answer.revision, lines: answer.lines.map(({ sku, quantity }) => ({ sku, quantity })) };
  }

  async emptyCart(userId: string): Promise<void> {
    await this.#call('cart', 'DELETE', `/internal/carts/${encodeURIComponent(userId)}`);
  }

  /** Current names and prices; unknown and archived SKUs are left out. */
  async products(skus: string[]): Promise<ProductsBySkuResponse['items']> {
    const answer = await this.#call('catalog', 'POST', '/internal/products/by-sku', { skus });
    if (!validProducts.Check(answer)) throw unexpected('catalog');
    return answer.items;
  }

  async #call(service: string, method: string, path: string, body?: unknown): Promise<unknown> {
    // Unreachable or slow: the client throws 503/504 problems of its own.
    const answer = await this.#client.request<unknown>(service, { method, path, body });
    if (answer.status >= 200 && answer.status < 300) return answer.body;
    throw new HttpProblem(CommonProblems.serviceUnavailable, `The ${service} service answered ${answer.status}; try again.`);
  }
}

function unexpected(service: string): HttpProblem {
  return new HttpProblem(CommonProblems.serviceUnavailable, `The ${service} service answered outside its contract; try again shortly.`, {
    extensions: { service },
  });
}
