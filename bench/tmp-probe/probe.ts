import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { freePort, launchPlatform } from '@mercato/cli';
import { json, registerShoppers } from '../lib/shoppers.ts';

const DB = 'postgres://postgres@127.0.0.1:5432/postgres';
const prefix = `probe_${process.pid}`;
const dataDir = await mkdtemp(join(tmpdir(), 'probe-'));
await chmod(dataDir, 0o755);
const platform = await launchPlatform({ MERCATO_DATA_DIR: dataDir, GATEWAY_PORT: String(await freePort()), MERCATO_DB_PREFIX: prefix, DATABASE_URL: process.env.EXT ? DB : '', MERCATO_SEED: 'none',
  MERCATO_ADMIN_EMAIL: 'a@probe.test', MERCATO_ADMIN_PASSWORD: 'probe password 1', MERCATO_RATE_LIMIT_ANON: '0', MERCATO_RATE_LIMIT_USER: '0', MERCATO_RATE_LIMIT_AUTH: '0' });
const base = platform.gatewayUrl;
try {
  const { accessToken: admin } = await json<{ accessToken: string }>(`${base}/api/auth/login`, { method: 'POST', body: { email: 'a@probe.test', password: 'probe password 1' } });
  await json(`${base}/api/products`, { method: 'POST', token: admin, expect: 201, body: { slug: 'p', name: 'P', description: '', category: 'x', price: { amount: 100, currency: 'USD' }, sku: 'P1', images: [], attributes: {} } });
  await json(`${base}/api/inventory/P1`, { method: 'PUT', token: admin, body: { onHand: 100000 } });
  const [token] = await registerShoppers(base, 1);
  for (let i = 0; i < 6; i++) {
    await json(`${base}/api/cart/items`, { method: 'POST', token, body: { sku: 'P1', quantity: 1 } });
    const t0 = Date.now();
    const order = await json<{ id: string }>(`${base}/api/orders`, { method: 'POST', token, expect: 202, body: { shippingAddress: { line1: 'a', city: 'b', postalCode: 'c', country: 'US' }, paymentToken: 'tok_visa' }, headers: { 'idempotency-key': randomUUID() } });
    const placedIn = Date.now() - t0;
    let o: { status: string; history: { at: string; detail: string }[] };
    do { await new Promise((r) => setTimeout(r, 10)); o = await json(`${base}/api/orders/${order.id}`, { token }); } while (o.status === 'pending');
    const at0 = Date.parse(o.history[0]!.at);
    console.log(`place ${placedIn} ms; ` + o.history.map((h) => `${h.detail} +${Date.parse(h.at) - at0}`).join(', '));
  }
} finally {
  await platform.stop();
}
