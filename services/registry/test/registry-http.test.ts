import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { basicAuthorization, createLogger, createService, Registration, RegistryDiscovery, type Service } from '@mercato/kit';
import { waitFor } from '@mercato/kit/testing';
import { request } from 'undici';
import { registryDefinition } from '../src/app.ts';

const log = createLogger({ service: 'test', instance: 'test', level: 'silent' });

/** Every client the tests write as: its secret, which the registry knows only as a SHA-256. */
const secrets: Record<string, string> = Object.fromEntries(
  ['catalog', 'cart', 'orders', 'payments', 'identity', 'mercato'].map((id) => [id, randomBytes(24).toString('base64url')]),
);
const as = (clientId: string) => ({ clientId, clientSecret: secrets[clientId] ?? '' });
const registryClients = JSON.stringify(
  Object.fromEntries(Object.entries(secrets).map(([id, secret]) => [id, createHash('sha256').update(secret).digest('hex')])),
);

async function startRegistry(port = 0, ttlSeconds = '0.6'): Promise<{ service: Service; url: string }> {
  const service = await createService(registryDefinition(), {
    LOG_LEVEL: 'silent',
    PORT: String(port),
    REGISTRY_TTL_SECONDS: ttlSeconds,
    REGISTRY_SERVICE_CLIENTS: registryClients,
  });
  const url = await service.start();
  return { service, url };
}

/** `client`: the credentials to write with; `'none'` for an anonymous call. */
async function call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, client: string = 'catalog') {
  const response = await request(url, {
    method,
    headers: {
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(client === 'none' ? {} : { authorization: basicAuthorization(as(client)) }),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.body.text();
  return { status: response.statusCode, body: text ? JSON.parse(text) : undefined };
}

describe('registry over HTTP', () => {
  let registry: { service: Service; url: string };
  before(async () => {
    registry = await startRegistry();
  });
  after(() => registry.service.stop());

  it('registers, lists, heartbeats and deregisters an instance', async () => {
    const registered = await call('POST', `${registry.url}/instances`, {
      service: 'catalog',
      url: 'http://127.0.0.1:4100',
      meta: { zone: 'a' },
    });
    assert.equal(registered.status, 201);
    assert.equal(registered.body.ttlSeconds, 0.6);
    const { id } = registered.body;
    const listed = await call('GET', `${registry.url}/instances?service=catalog`);
    assert.deepEqual(
      listed.body.items.map((i: { id: string; url: string; status: string }) => [i.id, i.url, i.status]),
      [[id, 'http://127.0.0.1:4100', 'up']],
    );
    assert.equal((await call('PUT', `${registry.url}/instances/${id}/heartbeat`)).status, 204);
    assert.equal((await call('DELETE', `${registry.url}/instances/${id}`)).status, 204);
    assert.equal((await call('PUT', `${registry.url}/instances/${id}/heartbeat`)).status, 404);
  });

  it('rejects a registration with a bad service name, a non-http URL or an unknown field', async () => {
    for (const body of [
      { service: 'Catalog!', url: 'http://127.0.0.1:1' },
      { service: 'catalog', url: 'ftp://127.0.0.1:1' },
      { service: 'catalog', url: 'http://127.0.0.1:1', admin: true },
    ]) {
      const response = await call('POST', `${registry.url}/instances`, body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(response.body.type, 'https://mercato.dev/problems/validation');
    }
  });

  it('refuses writes without a valid service credential with 401, before validating the body', async () => {
    const wrongSecret = { clientId: 'catalog', clientSecret: secrets.cart ?? '' };
    for (const authorization of [undefined, basicAuthorization(wrongSecret), 'Basic !!!', 'Bearer x']) {
      const response = await request(`${registry.url}/instances`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ service: 'identity', url: 'http://127.0.0.1:6666', junk: true }),
      });
      assert.equal(response.statusCode, 401, String(authorization));
      assert.match(String(response.headers['content-type']), /application\/problem\+json/);
      assert.match(String(response.headers['www-authenticate']), /^Basic/);
      await response.body.dump();
    }
    assert.equal((await call('GET', `${registry.url}/instances?service=identity`)).body.items.length, 0);
  });

  it('a service registers only under its own name: catalog cannot register a rogue identity', async () => {
    const rogue = await call('POST', `${registry.url}/instances`, { service: 'identity', url: 'http://127.0.0.1:6666' }, 'catalog');
    assert.equal(rogue.status, 403);
    assert.equal(rogue.body.type, 'https://mercato.dev/problems/forbidden');
    assert.equal((await call('GET', `${registry.url}/instances?service=identity`)).body.items.length, 0);
  });

  it("only an instance's owner heartbeats or deregisters it; the supervisor may deregister any", async () => {
    const { id } = (await call('POST', `${registry.url}/instances`, { service: 'orders', url: 'http://127.0.0.1:4301' }, 'orders')).body;
    assert.equal((await call('PUT', `${registry.url}/instances/${id}/heartbeat`, undefined, 'none')).status, 401);
    assert.equal((await call('PUT', `${registry.url}/instances/${id}/heartbeat`, undefined, 'cart')).status, 403);
    assert.equal((await call('DELETE', `${registry.url}/instances/${id}`, undefined, 'cart')).status, 403);
    assert.equal((await call('DELETE', `${registry.url}/instances/${id}`, undefined, 'none')).status, 401);
    assert.equal((await call('PUT', `${registry.url}/instances/${id}/heartbeat`, undefined, 'orders')).status, 204);
    assert.equal((await call('DELETE', `${registry.url}/instances/${id}`, undefined, 'mercato')).status, 204);
    assert.equal((await call('PUT', `${registry.url}/instances/${id}/heartbeat`, undefined, 'orders')).status, 404);
  });

  it('will not start without REGISTRY_SERVICE_CLIENTS unless MERCATO_AUTH=off', async () => {
    await assert.rejects(createService(registryDefinition(), { LOG_LEVEL: 'silent' }), /REGISTRY_SERVICE_CLIENTS is required/);
  });

  it('the watch stream reports registration, deregistration and TTL eviction', async () => {
    const discovery = new RegistryDiscovery({ registryUrl: registry.url, log });
    const events: string[] = [];
    discovery.onChange(() =>
      events.push(
        discovery
          .instances('cart')
          .map((i) => i.url)
          .join(','),
      ),
    );
    await discovery.ready();
    const self = new Registration({
      registryUrl: registry.url,
      self: { service: 'cart', url: 'http://127.0.0.1:4200' },
      heartbeatMs: 100,
      credentials: as('cart'),
      log,
    });
    await self.start();
    await waitFor('the registered instance', () => discovery.instances('cart').length === 1);
    await self.stop();
    await waitFor('the deregistration', () => discovery.instances('cart').length === 0);

    // Registered without heartbeats: gone after the 0.6 s TTL.
    await call('POST', `${registry.url}/instances`, { service: 'cart', url: 'http://127.0.0.1:4201' }, 'cart');
    await waitFor('the new instance', () => discovery.instances('cart').length === 1);
    await waitFor('the eviction', () => discovery.instances('cart').length === 0, 3_000);
    assert.deepEqual(events.slice(-2), ['http://127.0.0.1:4201', '']);
    discovery.close();
  });

  it('an instance that keeps heartbeating is never evicted', async () => {
    const self = new Registration({
      registryUrl: registry.url,
      self: { service: 'orders', url: 'http://127.0.0.1:4300' },
      heartbeatMs: 100,
      credentials: as('orders'),
      log,
    });
    await self.start();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const listed = await call('GET', `${registry.url}/instances?service=orders`);
    assert.equal(listed.body.items.length, 1);
    await self.stop();
  });
});

describe('registry restart', () => {
  it('an instance registers again with a restarted registry, and discovery follows', async () => {
    const first = await startRegistry(0, '5');
    const port = Number(new URL(first.url).port);
    const self = new Registration({
      registryUrl: first.url,
      self: { service: 'payments', url: 'http://127.0.0.1:4400' },
      heartbeatMs: 100,
      credentials: as('payments'),
      log,
    });
    await self.start();
    const discovery = new RegistryDiscovery({ registryUrl: first.url, log });
    await discovery.ready();
    await waitFor('discovery to see payments', () => discovery.instances('payments').length === 1);

    await first.service.stop();
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(discovery.instances('payments').length, 1, 'discovery keeps the last known instances while the registry is down');

    const second = await startRegistry(port, '5');
    try {
      await waitFor(
        're-registration',
        async () => (await call('GET', `${second.url}/instances?service=payments`)).body.items.length === 1,
        5_000,
      );
      const listed = await call('GET', `${second.url}/instances?service=payments`);
      const newId = listed.body.items[0].id;
      await waitFor('discovery to follow the new registration', () => discovery.instances('payments')[0]?.id === newId);
      assert.equal(discovery.instances('payments').length, 1, 'the entry from before the restart is replaced, not doubled');
    } finally {
      discovery.close();
      await self.stop();
      await second.service.stop();
    }
  });
});
