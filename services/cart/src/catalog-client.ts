import { type Money, type ProductsBySkuRequest, ProductsBySkuResponse } from '@mercato/contracts';
import { CommonProblems, HttpProblem, type Logger, type ServiceClient } from '@mercato/kit';
import { Compile } from 'typebox/compile';

/** A product as the catalog sells it under one SKU, right now. */
export interface CatalogItem {
  sku: string;
  productId: string;
  name: string;
  price: Money;
}

const validAnswer = Compile(ProductsBySkuResponse);

/**
 * The catalog as the cart asks it: names and current prices by SKU, through its internal batch route
 * (`POST /internal/products/by-sku`, a service token). Errors are the answers a shopper should get:
 * an unreachable catalog, an open circuit or no service token → 503 (the kit's UpstreamUnavailableError),
 * no answer in time → 504; an answer that is not a 200 with the contract's shape → 503 as well, logged,
 * because the shopper cannot fix it and retrying later may work.
 */
export class CatalogClient {
  readonly #services: ServiceClient;
  readonly #log: Logger;

  constructor(services: ServiceClient, log: Logger) {
    this.#services = services;
    this.#log = log;
  }

  /** The listed product behind `sku`; undefined when the catalog has none (unknown or archived). */
  async productBySku(sku: string, traceparent?: string): Promise<CatalogItem | undefined> {
    const body: ProductsBySkuRequest = { skus: [sku] };
    const response = await this.#services.request<unknown>('catalog', {
      method: 'POST',
      path: '/internal/products/by-sku',
      body,
      headers: traceparent ? { traceparent } : {},
    });
    if (response.status !== 200 || !validAnswer.Check(response.body)) {
      this.#log.error(
        { status: response.status, body: response.body },
        response.status === 401 || response.status === 403
          ? 'catalog refused the cart: check MERCATO_CLIENT_ID / MERCATO_CLIENT_SECRET and identity'
          : 'catalog answered the by-SKU lookup with something other than the contract',
      );
      throw new HttpProblem(CommonProblems.serviceUnavailable, 'The catalog cannot look up products right now; try again shortly.', {
        extensions: { service: 'catalog' },
        headers: { 'retry-after': '1' },
      });
    }
    return (response.body as ProductsBySkuResponse).items.find((item) => item.sku === sku);
  }
}
