import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createService, type Service } from '../src/index.ts';
import { createTestIssuer } from '../src/testing/index.ts';

let issuer: Awaited<ReturnType<typeof createTestIssuer>>;
let cart: Service;

/** A service named `cart` with one internal route and one public route, verifying tokens as every port does. */
before(async () => {
  issuer = await createTestIssuer();
  cart = await createService(
    {
      name: 'cart',
      jwks: () => issuer.jwks,
      routes(app) {
        app.get('/internal/carts/:userId', async () => ({ ok: true }));
        app.get('/api/cart', async () => ({ ok: true }));
      },
    },
    { LOG_LEVEL: 'silent' },
  );
});
after(() => cart.app.close());

async function status(url: string, token: string): Promise<number> {
  const answer = await cart.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
  return answer.statusCode;
}

describe('internal and operator routes answer only the callers the topology names', () => {
  it("the gateway's anonymous-call token opens public routes and nothing internal", async () => {
    const gateway = await issuer.serviceToken('gateway', 'cart');
    assert.equal(await status('/api/cart', gateway), 200);
    for (const path of ['/internal/carts/u1', '/metrics', '/openapi.json', '/internal/dead-letters']) {
      assert.equal(await status(path, gateway), 403, path);
    }
  });

  it("orders reads a cart; catalog's token and a shopper's token are refused", async () => {
    assert.equal(await status('/internal/carts/u1', await issuer.serviceToken('orders', 'cart')), 200);
    assert.equal(await status('/internal/carts/u1', await issuer.serviceToken('catalog', 'cart')), 403);
    assert.equal(await status('/internal/carts/u1', await issuer.userToken(['customer'])), 403);
    assert.equal(await status('/internal/carts/u1', await issuer.userToken(['admin'])), 403);
  });

  it('operator paths answer gateway-ops, the mercato command and admins only', async () => {
    assert.equal(await status('/metrics', await issuer.serviceToken('gateway-ops', 'cart')), 200);
    assert.equal(await status('/metrics', await issuer.serviceToken('mercato', 'cart')), 200);
    assert.equal(await status('/metrics', await issuer.userToken(['admin'])), 200);
    assert.equal(await status('/metrics', await issuer.userToken(['customer'])), 403);
    assert.equal(await status('/metrics', await issuer.serviceToken('orders', 'cart')), 403);
  });
});
