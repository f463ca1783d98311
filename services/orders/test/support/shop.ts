// biome-ignore-all lint/suspicious/noExplicitAny: a black-box test reads untyped JSON answers
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';

export interface Answer<T = any> {
  status: number;
  body: T;
}

const agent = new Agent({ connections: 256, keepAliveTimeout: 10_000 });

/** JSON over HTTP against the gateway, the way a shopper's app calls it. */
export async function call<T = any>(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await request(`${base}${path}`, {
    method: method as 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    dispatcher: agent,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  const text = await response.body.text();
  return { status: response.statusCode, body: (text ? JSON.parse(text) : undefined) as T };
}

export const ADDRESS = { line1: '1 Market St', city: 'Springfield', postalCode: '12345', country: 'US' };

export class Shopper {
  readonly base: string;
  readonly token: string;
  readonly userId: string;
  constructor(base: string, token: string, userId: string) {
    this.base = base;
    this.token = token;
    this.userId = userId;
  }

  static async register(base: string, label = 'shopper'): Promise<Shopper> {
    const email = `${label}-${randomUUID()}@example.test`;
    const answer = await call(base, 'POST', '/api/auth/register', { body: { email, password: 'correct horse battery', name: label } });
    if (answer.status !== 201) throw new Error(`register answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return new Shopper(base, answer.body.accessToken, answer.body.user.id);
  }

  call<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer<T>> {
    return call<T>(this.base, method, path, { token: this.token, body, headers });
  }

  async add(sku: string, quantity: number): Promise<void> {
    const answer = await this.call('POST', '/api/cart/items', { sku, quantity });
    if (answer.status !== 200) throw new Error(`add to cart answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  }

  place(paymentToken: string, key: string = randomUUID(), extra: Record<string, unknown> = {}): Promise<Answer> {
    return this.call('POST', '/api/orders', { shippingAddress: ADDRESS, paymentToken, ...extra }, { 'idempotency-key': key });
  }

  /** Polls the order until `done` says so (default: no longer pending), or fails after the bound. */
  async final(orderId: string, timeoutMs = 30_000, done = (order: any) => order.status !== 'pending'): Promise<any> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const answer = await this.call('GET', `/api/orders/${orderId}`);
      if (answer.status !== 200) throw new Error(`GET order answered ${answer.status}`);
      if (done(answer.body)) return answer.body;
      if (Date.now() > until)
        throw new Error(`order ${orderId} still ${answer.body.status} after ${timeoutMs} ms: ${JSON.stringify(answer.body.history)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** What a whole-platform checkout test runs with: no seed, the admin it signs in as, no rate limits, a quick sandbox provider. */
export function checkoutPlatformEnv(admin: { email: string; password: string }): NodeJS.ProcessEnv {
  return {
    MERCATO_SEED: 'none',
    MERCATO_ADMIN_EMAIL: admin.email,
    MERCATO_ADMIN_PASSWORD: admin.password,
    MERCATO_RATE_LIMIT_ANON: '0',
    MERCATO_RATE_LIMIT_USER: '0',
    MERCATO_RATE_LIMIT_AUTH: '0',
    MERCATO_SANDBOX_DELAY_MS: '20',
    ORDERS_STEP_TIMEOUT_MS: '30000',
  };
}

/** Signs the admin in, creates one product with `sku` and stocks it; resolves with the admin's token. */
export async function stockOneProduct(
  base: string,
  admin: { email: string; password: string },
  product: { slug: string; name: string; sku: string; amount: number; onHand: number },
): Promise<string> {
  const token = (await call(base, 'POST', '/api/auth/login', { body: admin })).body.accessToken;
  const created = await call(base, 'POST', '/api/products', {
    token,
    body: {
      slug: product.slug,
      name: product.name,
      description: `for ${product.name}`,
      category: 'test-goods',
      price: { amount: product.amount, currency: 'USD' },
      sku: product.sku,
      images: [],
      attributes: {},
    },
  });
  if (created.status !== 201) throw new Error(`product not created: ${created.status} ${JSON.stringify(created.body)}`);
  const stocked = await call(base, 'PUT', `/api/inventory/${product.sku}`, { token, body: { onHand: product.onHand } });
  if (stocked.status !== 200) throw new Error(`stock not set: ${stocked.status} ${JSON.stringify(stocked.body)}`);
  return token;
}
