// biome-ignore-all lint/suspicious/noExplicitAny: a black-box test reads untyped JSON answers
/**
 * Recommendations from outside, through the gateway, with every process running: a shopper's product
 * page views, cart additions and a purchase change what `/api/recommendations/me` answers within 5 s,
 * and a product bought together with another shows on that product's page.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '@mercato/kit/testing';
import { ADDRESS, call } from '../../orders/test/support/shop.ts';
import { startTestPlatform, stockedProduct, type TestPlatform } from './support/test-platform.ts';

let platform: TestPlatform;
let base: string;
let products: { id: string; slug: string; sku: string }[];

async function shopper(): Promise<string> {
  const answer = await call(base, 'POST', '/api/auth/register', {
    body: { email: `recs-${randomUUID().slice(0, 8)}@example.test`, password: 'correct horse battery', name: 'Recs Shopper' },
  });
  assert.equal(answer.status, 201);
  return answer.body.accessToken;
}

async function buy(token: string, ...skus: string[]): Promise<void> {
  for (const sku of skus) assert.equal((await call(base, 'POST', '/api/cart/items', { token, body: { sku, quantity: 1 } })).status, 200);
  const placed = await call(base, 'POST', '/api/orders', {
    token,
    headers: { 'idempotency-key': randomUUID() },
    body: { shippingAddress: ADDRESS, paymentToken: 'tok_visa' },
  });
  assert.equal(placed.status, 202);
  await waitFor(
    'the order to be confirmed',
    async () => (await call(base, 'GET', `/api/orders/${placed.body.id}?wait=5`, { token })).body.status === 'confirmed',
    30_000,
  );
}

const ids = (answer: any) => answer.body.items.map((item: any) => item.id);

before(async () => {
  platform = await startTestPlatform('recommendations');
  base = platform.base;
  products = [];
  for (let k = 1; k <= 5; k++) products.push(await stockedProduct(base, platform.admin, `RECS-${k}`, 1000 + k, 100));
});

after(async () => {
  await platform?.stop();
});

describe('recommendations through the gateway', () => {
  it('views and a purchase through the gateway turn /me personal within 5 s, and what was bought never comes back', async () => {
    const token = await shopper();
    const cold = await call(base, 'GET', '/api/recommendations/me', { token });
    assert.equal(cold.status, 200);
    assert.equal(cold.body.strategy, 'popularity');
    // Others tie RECS-1 to RECS-2.
    for (let k = 0; k < 2; k++) await buy(await shopper(), 'RECS-1', 'RECS-2');
    const [one, two] = products as [(typeof products)[0], (typeof products)[0]];
    assert.equal((await call(base, 'GET', `/api/storefront/products/${one.slug}`, { token })).status, 200);
    const started = Date.now();
    const personal = await waitFor(
      '/me to be personal after a product page view',
      async () => {
        const answer = await call(base, 'GET', '/api/recommendations/me', { token });
        return answer.body.strategy === 'personal' ? answer : undefined;
      },
      5_000,
      100,
    );
    assert.ok(Date.now() - started < 5_000);
    assert.equal(ids(personal)[0], two.id, 'what others bought with the viewed product comes first');
    await buy(token, two.sku);
    await waitFor(
      'a bought product to leave /me',
      async () => !ids(await call(base, 'GET', '/api/recommendations/me?limit=20', { token })).includes(two.id),
      5_000,
      100,
    );
  });

  it('the product page composes the row: bought-together products, never the product itself', async () => {
    const [one, two] = products as [(typeof products)[0], (typeof products)[0]];
    const page = await waitFor(
      'RECS-1’s page to show RECS-2',
      async () => {
        const answer = await call(base, 'GET', `/api/storefront/products/${one.slug}`);
        return answer.body.recommendations?.strategy === 'item_similarity' ? answer : undefined;
      },
      5_000,
      100,
    );
    assert.equal(page.body.recommendations.items[0].id, two.id);
    assert.ok(!page.body.recommendations.items.some((item: any) => item.id === one.id));
    const direct = await call(base, 'GET', `/api/recommendations?productId=${one.id}&limit=2`);
    assert.equal(direct.status, 200);
    assert.equal(direct.body.items.length, 2);
    assert.equal((await call(base, 'GET', `/api/recommendations?productId=${randomUUID()}`)).status, 404);
    assert.equal((await call(base, 'GET', '/api/recommendations')).status, 400);
    assert.equal(platform.errors(), '');
  });
});
