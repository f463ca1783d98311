import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SERVICE_NAMES } from '@mercato/kit';
import { request } from 'undici';
import { dropServiceDatabases, freePort, launchPlatform, type PlatformProcess } from '../src/index.ts';

const external = process.env.DATABASE_URL;
const prefix = `t_demo_${process.pid}`;
let dataDir: string;
let platform: PlatformProcess | undefined;

async function launch(env: NodeJS.ProcessEnv = {}): Promise<PlatformProcess> {
  return launchPlatform({
    MERCATO_DATA_DIR: dataDir,
    GATEWAY_PORT: String(await freePort()),
    MERCATO_DB_PREFIX: prefix,
    DATABASE_URL: external ?? '',
    ...env,
  });
}

async function get(path: string): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  const response = await request(`${platform?.gatewayUrl}${path}`, { headersTimeout: 10_000 });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

async function categories(): Promise<{ slug: string; productCount: number }[]> {
  return JSON.parse((await get('/api/categories')).text).items;
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mercato-demo-'));
  await chmod(dataDir, 0o755);
});
after(async () => {
  await platform?.stop();
  if (external) await dropServiceDatabases(external, prefix, [...SERVICE_NAMES, 'bus']);
  await rm(dataDir, { recursive: true, force: true });
});

describe('the demo store', () => {
  it('is seeded by the first start: categories, stocked products, typo search and pictures through the gateway', async () => {
    platform = await launch();
    assert.match(platform.output(), /first start: seeded a demo store of 240 products in 12 categories, each with stock/);
    const list = await categories();
    assert.ok(list.length >= 8);
    assert.ok(list.reduce((sum, c) => sum + c.productCount, 0) >= 200);

    const search = JSON.parse((await get('/api/products?q=hedphones&limit=5')).text);
    const [first] = search.items as { name: string; sku: string; images: string[] }[];
    assert.ok(first, 'a misspelt search finds headphones');
    assert.match(first.name, /Headphones/);

    const stock = JSON.parse((await get(`/api/inventory/${first.sku}`)).text);
    assert.ok(stock.available > 0, JSON.stringify(stock));

    const image = await get(first.images[0] ?? '');
    assert.equal(image.status, 200);
    assert.match(String(image.headers['content-type']), /^image\/svg\+xml/);
    assert.match(String(image.headers['cache-control']), /max-age=\d+/);
    assert.ok(image.headers.etag);
    assert.match(image.text, /^<svg /);
  });

  it('is not seeded again on the next start', async () => {
    await platform?.stop();
    platform = await launch();
    assert.doesNotMatch(platform.output(), /seeded a demo store/);
    assert.equal(
      (await categories()).reduce((sum, c) => sum + c.productCount, 0),
      240,
    );
  });

  it('stops a start with a MERCATO_SEED it does not know, in one line', async () => {
    await platform?.stop();
    platform = undefined;
    await assert.rejects(launch({ MERCATO_SEED: 'lots' }), /MERCATO_SEED must be demo or none \(got "lots"\)/);
  });
});
