import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { registryDefinition } from '@mercato/registry';
import type { FastifyInstance } from 'fastify';
import {
  createLogger,
  createService,
  Registration,
  RegistryDiscovery,
  type Service,
  ServiceClient,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../src/index.ts';
import { waitFor } from '../src/testing/index.ts';

const silent = createLogger({ service: 'test', instance: 'test', level: 'silent' });
const stubEnv = (registryUrl: string) => ({
  LOG_LEVEL: 'silent',
  MERCATO_AUTH: 'off',
  MERCATO_REGISTRY_URL: registryUrl,
  MERCATO_HEARTBEAT_MS: '200',
  MERCATO_SHUTDOWN_TIMEOUT_MS: '500',
});

let registry: Service;
let registryUrl: string;
let discovery: RegistryDiscovery;
const stops: (() => Promise<unknown>)[] = [];

/** A real service registered under `name`; counts the requests that reach it. */
async function startStub(name: string, routes: (app: FastifyInstance) => void): Promise<{ service: Service; url: string }> {
  const service = await createService({ name, routes }, stubEnv(registryUrl));
  const url = await service.start();
  stops.push(() => service.stop());
  return { service, url };
}

/**
 * A registered instance that accepts connections and drops each one as soon as a request arrives,
 * without answering: a process dying mid-request. Counts the connections it got.
 */
async function startDropper(name: string): Promise<{ connections: () => number }> {
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    socket.once('data', () => socket.destroy());
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const registration = new Registration({
    registryUrl,
    self: { service: name, url: `http://127.0.0.1:${port}` },
    heartbeatMs: 200,
    log: silent,
  });
  await registration.start();
  stops.push(async () => {
    await registration.stop();
    await new Promise((resolve) => server.close(resolve));
  });
  return { connections: () => connections };
}

async function knownInstances(name: string, count: number): Promise<void> {
  await waitFor(`${count} instances of ${name}`, () => discovery.instances(name).length === count);
}

before(async () => {
  registry = await createService(registryDefinition(), { LOG_LEVEL: 'silent', MERCATO_AUTH: 'off', REGISTRY_TTL_SECONDS: '5' });
  registryUrl = await registry.start();
  discovery = new RegistryDiscovery({ registryUrl, log: silent });
  await discovery.ready();
});

after(async () => {
  for (const stop of stops.reverse()) await stop();
  discovery.close();
  await registry.stop();
});

describe('ServiceClient', () => {
  it('calls an instance found through discovery with a service token, a JSON body and parses the JSON answer', async () => {
    await startStub('echo', (app) => {
      app.post('/echo', async (request) => ({ authorization: request.headers.authorization ?? null, body: request.body }));
    });
    await knownInstances('echo', 1);
    const audiences: string[] = [];
    const client = new ServiceClient({
      discovery,
      log: silent,
      tokenFor: async (audience) => {
        audiences.push(audience);
        return `token-for-${audience}`;
      },
    });
    try {
      const response = await client.request<{ authorization: string; body: unknown }>('echo', {
        method: 'POST',
        path: '/echo',
        body: { sku: 'SKU-1', quantity: 2 },
      });
      assert.equal(response.status, 200);
      assert.match(String(response.headers['content-type']), /application\/json/);
      assert.deepEqual(response.body, { authorization: 'Bearer token-for-echo', body: { sku: 'SKU-1', quantity: 2 } });
      assert.deepEqual(audiences, ['echo']);

      const missing = await client.request('echo', { method: 'GET', path: '/nothing-here' });
      assert.equal(missing.status, 404);
      assert.equal((missing.body as { status: number }).status, 404, 'problem+json is parsed too');
    } finally {
      await client.close();
    }
  });

  it('retries an idempotent call on another instance, never on the one that failed', async () => {
    let served = 0;
    await startStub('flaky', (app) => {
      app.get('/thing', async () => ({ served: ++served }));
    });
    const dropper = await startDropper('flaky');
    await knownInstances('flaky', 2);
    const client = new ServiceClient({ discovery, log: silent });
    try {
      for (let i = 0; i < 6; i++) {
        const response = await client.request('flaky', { method: 'GET', path: '/thing' });
        assert.equal(response.status, 200);
      }
      assert.equal(served, 6, 'every call was answered by the healthy instance');
      assert.ok(dropper.connections() >= 2, 'the dropping instance got its share of first attempts');
      assert.ok(dropper.connections() <= 6, 'and never a second attempt within one call');
    } finally {
      await client.close();
    }
  });

  it('with a single failing instance gives up after one attempt with UpstreamUnavailableError', async () => {
    const dropper = await startDropper('lonely');
    await knownInstances('lonely', 1);
    const client = new ServiceClient({ discovery, log: silent });
    try {
      await assert.rejects(client.request('lonely', { method: 'GET', path: '/thing' }), (error: unknown) => {
        assert.ok(error instanceof UpstreamUnavailableError);
        assert.equal(error.service, 'lonely');
        assert.equal(error.reason, 'unreachable');
        return true;
      });
      assert.equal(dropper.connections(), 1, 'not retried on the same instance');
    } finally {
      await client.close();
    }
  });

  it('does not retry a POST whose connection broke (it may have been acted on)', async () => {
    let served = 0;
    await startStub('orders-like', (app) => {
      app.post('/orders', async () => ({ served: ++served }));
    });
    const dropper = await startDropper('orders-like');
    await knownInstances('orders-like', 2);
    const client = new ServiceClient({ discovery, log: silent });
    try {
      const outcomes: string[] = [];
      for (let i = 0; i < 2; i++) {
        outcomes.push(
          await client.request('orders-like', { method: 'POST', path: '/orders', body: {} }).then(
            (r) => String(r.status),
            (error: unknown) => (error instanceof UpstreamUnavailableError ? error.reason : String(error)),
          ),
        );
      }
      assert.deepEqual(outcomes.sort(), ['200', 'unreachable'], 'round-robin: one call per instance, the broken one not retried');
      assert.equal(served, 1);
      assert.equal(dropper.connections(), 1);
    } finally {
      await client.close();
    }
  });

  it('passes over an instance that refuses connections', async () => {
    let served = 0;
    await startStub('half-dead', (app) => {
      app.get('/thing', async () => ({ served: ++served }));
    });
    const dead = await startStub('half-dead', (app) => {
      app.get('/thing', async () => ({ served: ++served }));
    });
    await knownInstances('half-dead', 2);
    // Gone without deregistering: its heartbeat goes on, its port refuses connections.
    dead.service.app.server.closeAllConnections();
    dead.service.app.server.close();
    const client = new ServiceClient({ discovery, log: silent });
    try {
      for (let i = 0; i < 10; i++) assert.equal((await client.request('half-dead', { method: 'GET', path: '/thing' })).status, 200);
      assert.equal(served, 10);
    } finally {
      await client.close();
    }
  });

  it('bounds a call by its timeout with UpstreamTimeoutError', async () => {
    await startStub('sluggish', (app) => {
      app.get('/slow', async () => {
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        return { late: true };
      });
    });
    await knownInstances('sluggish', 1);
    const client = new ServiceClient({ discovery, log: silent });
    try {
      const started = Date.now();
      await assert.rejects(client.request('sluggish', { method: 'GET', path: '/slow', timeoutMs: 150 }), (error: unknown) => {
        assert.ok(error instanceof UpstreamTimeoutError);
        assert.equal(error.service, 'sluggish');
        return true;
      });
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 140 && elapsed < 600, `gave up after ${elapsed} ms`);
    } finally {
      await client.close();
    }
  });

  it('answers UpstreamUnavailableError (no_instance) for a service nobody runs', async () => {
    const client = new ServiceClient({ discovery, log: silent });
    try {
      await assert.rejects(client.request('nobody', { method: 'GET', path: '/' }), (error: unknown) => {
        assert.ok(error instanceof UpstreamUnavailableError);
        assert.equal(error.reason, 'no_instance');
        return true;
      });
    } finally {
      await client.close();
    }
  });

  it('a token that cannot be obtained is UpstreamUnavailableError (no_token), not a failure of the callee', async () => {
    const client = new ServiceClient({
      discovery,
      log: silent,
      breaker: { failureThreshold: 1 },
      tokenFor: async () => {
        throw new Error('identity is down');
      },
    });
    try {
      for (let i = 0; i < 2; i++) {
        await assert.rejects(client.request('echo', { method: 'GET', path: '/echo' }), (error: unknown) => {
          assert.ok(error instanceof UpstreamUnavailableError);
          assert.equal(error.reason, 'no_token');
          return true;
        });
      }
      assert.equal(client.circuits().echo, 'closed');
    } finally {
      await client.close();
    }
  });

  it('opens the circuit after consecutive 5xx, fails fast without calling, lets one probe through when half-open, then closes', async () => {
    let status = 404;
    let delayMs = 0;
    let hits = 0;
    await startStub('fragile', (app) => {
      app.get('/thing', async (_request, reply) => {
        hits++;
        if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
        return reply.code(status).send({ status });
      });
    });
    await knownInstances('fragile', 1);
    const client = new ServiceClient({ discovery, log: silent, breaker: { failureThreshold: 3, halfOpenAfterMs: 300 } });
    const call = () => client.request('fragile', { method: 'GET', path: '/thing' });
    const isOpen = (error: unknown) => error instanceof UpstreamUnavailableError && error.reason === 'circuit_open';
    try {
      for (let i = 0; i < 5; i++) assert.equal((await call()).status, 404);
      assert.equal(client.circuits().fragile, 'closed', '4xx answers do not count');

      status = 500;
      for (let i = 0; i < 3; i++) assert.equal((await call()).status, 500, 'a 5xx answer is returned to the caller');
      assert.equal(client.circuits().fragile, 'open');
      assert.equal(hits, 8);
      const started = Date.now();
      for (let i = 0; i < 5; i++) await assert.rejects(call(), isOpen);
      assert.ok(Date.now() - started < 100, 'fails fast');
      assert.equal(hits, 8, 'the open circuit keeps calls off the network');

      await new Promise((resolve) => setTimeout(resolve, 350));
      assert.equal((await call()).status, 500, 'the probe goes through');
      assert.equal(hits, 9);
      await assert.rejects(call(), isOpen, 'a failed probe opens the circuit again');

      await new Promise((resolve) => setTimeout(resolve, 350));
      status = 200;
      delayMs = 100;
      const probe = call();
      await new Promise((resolve) => setTimeout(resolve, 20));
      await assert.rejects(call(), isOpen, 'while the probe runs, other calls still fail fast');
      assert.equal((await probe).status, 200);
      assert.equal(client.circuits().fragile, 'closed');
      delayMs = 0;
      for (let i = 0; i < 3; i++) assert.equal((await call()).status, 200);
      assert.equal(hits, 13);
    } finally {
      await client.close();
    }
  });
});
