import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createService, SERVICE_NAMES, type Service } from '@mercato/kit';
import { waitFor } from '@mercato/kit/testing';
import { registryDefinition } from '@mercato/registry';
import { request } from 'undici';
import { gatewayDefinition } from '../src/app.ts';

const quiet = { LOG_LEVEL: 'silent', MERCATO_AUTH: 'off' };
let registry: Service;
let registryUrl: string;
let catalog: Service;
let gateway: Service;
let gatewayUrl: string;

/** A stand-in catalog that echoes what reached it. */
async function startEchoCatalog(): Promise<Service> {
  const service = await createService(
    {
      name: 'catalog',
      routes(app) {
        app.removeAllContentTypeParsers();
        app.addContentTypeParser('*', { parseAs: 'string' }, (_r, body, done) => done(null, body));
        app.all('/api/products*', { config: { anyQuery: true } }, async (req) => ({
          method: req.method,
          url: req.url,
          header: req.headers['x-shop-test'] ?? null,
          requestId: req.headers['x-request-id'] ?? null,
          body: req.body ?? null,
        }));
      },
    },
    { ...quiet, MERCATO_REGISTRY_URL: registryUrl, MERCATO_HEARTBEAT_MS: '200' },
  );
  await service.start();
  return service;
}

before(async () => {
  registry = await createService(registryDefinition(), { ...quiet, REGISTRY_TTL_SECONDS: '2' });
  registryUrl = await registry.start();
  catalog = await startEchoCatalog();
  gateway = await createService(gatewayDefinition(), { ...quiet, GATEWAY_PORT: '0', MERCATO_REGISTRY_URL: registryUrl });
  gatewayUrl = await gateway.start();
});
after(async () => {
  await gateway.stop();
  await catalog.stop();
  await registry.stop();
});

describe('gateway routing', () => {
  it('forwards method, path, query, headers and body to an instance found through discovery', async () => {
    await waitFor('catalog in discovery', () => gateway.context.discovery?.instances('catalog').length === 1);
    const response = await request(`${gatewayUrl}/api/products/abc?limit=5&q=red%20shoes`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'x-shop-test': 'yes', 'x-request-id': 'trace-me-1' },
      body: '{"name":"Red shoes"}',
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['x-request-id'], 'trace-me-1');
    assert.deepEqual(await response.body.json(), {
      method: 'PATCH',
      url: '/api/products/abc?limit=5&q=red%20shoes',
      header: 'yes',
      requestId: 'trace-me-1',
      body: '{"name":"Red shoes"}',
    });
  });

  it('answers 503 problem+json with Retry-After when no instance of the service is known', async () => {
    const response = await request(`${gatewayUrl}/api/cart`);
    assert.equal(response.statusCode, 503);
    assert.match(String(response.headers['content-type']), /application\/problem\+json/);
    assert.equal(response.headers['retry-after'], '1');
    const body = (await response.body.json()) as { detail: string };
    assert.match(body.detail, /No instance of cart/);
  });

  it('a body over 1 MiB is refused at the gateway with 413', async () => {
    const response = await request(`${gatewayUrl}/api/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(1024 * 1024 + 10) }),
    });
    assert.equal(response.statusCode, 413);
    await response.body.dump();
  });

  it('/health/ready is 503 "degraded" with per-service counts until every service has an instance, then 200', async () => {
    const degraded = await request(`${gatewayUrl}/health/ready`);
    assert.equal(degraded.statusCode, 503);
    const before = (await degraded.body.json()) as { status: string; services: Record<string, number> };
    assert.equal(before.status, 'degraded');
    assert.equal(before.services.catalog, 1);
    assert.equal(before.services.orders, 0);

    const ids: string[] = [];
    for (const name of SERVICE_NAMES.filter((s) => s !== 'catalog')) {
      const r = await request(`${registryUrl}/instances`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ service: name, url: `http://127.0.0.1:1/${name}` }),
      });
      ids.push(((await r.body.json()) as { id: string }).id);
    }
    const ready = await waitFor('gateway ready', async () => {
      const r = await request(`${gatewayUrl}/health/ready`);
      const body = (await r.body.json()) as { status: string; services: Record<string, number> };
      return r.statusCode === 200 ? body : undefined;
    });
    assert.equal(ready.status, 'ready');
    assert.deepEqual(Object.keys(ready.services).sort(), [...SERVICE_NAMES].sort());
    for (const id of ids) await (await request(`${registryUrl}/instances/${id}`, { method: 'DELETE' })).body.dump();
  });
});

describe('gateway with the registry down', () => {
  it('keeps routing to the instances it knew', async () => {
    await waitFor('catalog in discovery', () => gateway.context.discovery?.instances('catalog').length === 1);
    await registry.stop();
    await new Promise((resolve) => setTimeout(resolve, 2_500)); // longer than the registry's TTL
    for (let i = 0; i < 5; i++) {
      const response = await request(`${gatewayUrl}/api/products`);
      assert.equal(response.statusCode, 200);
      await response.body.dump();
    }
  });
});
