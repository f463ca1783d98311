import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createService, type Service } from '@mercato/kit';
import { waitFor } from '@mercato/kit/testing';
import { registryDefinition } from '@mercato/registry';
import { request } from 'undici';
import { gatewayDefinition } from '../src/app.ts';
import { configureResilience } from '../src/resilience.ts';
import { type Spawned, spawnService } from './fixtures/spawn.ts';

const stubCatalog = fileURLToPath(new URL('./fixtures/stub-catalog.ts', import.meta.url));
const quiet = { LOG_LEVEL: 'silent', MERCATO_AUTH: 'off' };
let registry: Service;
let registryUrl: string;
let gateway: Service;
let gatewayUrl: string;
const cleanups: (() => Promise<unknown> | unknown)[] = [];

const stubEnv = () => ({ ...quiet, MERCATO_REGISTRY_URL: registryUrl, MERCATO_HEARTBEAT_MS: '200', MERCATO_SHUTDOWN_TIMEOUT_MS: '500' });

async function get(path: string): Promise<{ status: number; headers: Record<string, unknown>; body: unknown; ms: number }> {
  const started = performance.now();
  const response = await request(`${gatewayUrl}${path}`);
  const text = await response.body.text();
  const ms = performance.now() - started;
  return { status: response.statusCode, headers: response.headers, body: text ? JSON.parse(text) : undefined, ms };
}

const known = (service: string, count: number) =>
  waitFor(`${count} instances of ${service} at the gateway`, () => gateway.context.discovery?.instances(service).length === count);

before(async () => {
  registry = await createService(registryDefinition(), { LOG_LEVEL: 'silent', MERCATO_AUTH: 'off', REGISTRY_TTL_SECONDS: '5' });
  registryUrl = await registry.start();
  gateway = await createService(gatewayDefinition(), {
    ...quiet,
    GATEWAY_PORT: '0',
    MERCATO_REGISTRY_URL: registryUrl,
    MERCATO_RATE_LIMIT_ANON: '0',
  });
  gatewayUrl = await gateway.start();
  const discovery = gateway.context.discovery;
  if (!discovery) throw new Error('the gateway has no discovery');
  // Short pauses so the test sees the circuit close again; production keeps the kit defaults.
  configureResilience(discovery, { breaker: { failureThreshold: 3, halfOpenAfterMs: 500 } });
});

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await gateway.stop();
  await registry.stop();
});

describe('gateway resilience', () => {
  it('one of two catalog instances SIGKILLed during a burst of 200 GETs: not one GET fails', async () => {
    const instances: Spawned[] = [];
    for (let i = 0; i < 2; i++) {
      const spawned = await spawnService(stubCatalog, { ...stubEnv(), STUB_DELAY_MS: '15' });
      cleanups.push(async () => {
        spawned.child.kill('SIGKILL');
        await spawned.exited;
      });
      instances.push(spawned);
    }
    const [victim, survivor] = instances as [Spawned, Spawned];
    await known('catalog', 2);

    const statuses = new Map<number, number>();
    const servedBy = { beforeKill: new Set<string>(), afterKill: new Set<string>() };
    let done = 0;
    let killed = false;
    let next = 0;
    const worker = async () => {
      while (next < 200) {
        next++;
        const answer = await get(`/api/products/p${next}`);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        const instance = (answer.body as { instance?: string } | undefined)?.instance;
        if (instance) (killed ? servedBy.afterKill : servedBy.beforeKill).add(instance);
        if (++done === 60) {
          // Abruptly, with requests in flight on it: no deregistration, no drain.
          victim.child.kill('SIGKILL');
          killed = true;
        }
      }
    };
    await Promise.all(Array.from({ length: 20 }, worker));
    await victim.exited;

    assert.deepEqual(Object.fromEntries(statuses), { 200: 200 }, 'every GET answered 200');
    assert.deepEqual([...servedBy.beforeKill].sort(), [survivor.instanceId, victim.instanceId].sort(), 'both served before');
    assert.ok(servedBy.afterKill.has(survivor.instanceId));
    // The victim may still finish answers it had written before the kill landed; nothing later.
    const late = await get('/api/products/after');
    assert.equal(late.status, 200);
    assert.equal((late.body as { instance: string }).instance, survivor.instanceId);
  });

  it('the only catalog instance killed and replaced a second later: every GET waits for the replacement and is answered, a POST is refused at once', async () => {
    // From no catalog instance: the ones before are stopped and their registrations gone.
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await waitFor('no catalog instance at the gateway', () => gateway.context.discovery?.instances('catalog').length === 0, 15_000);
    const first = await spawnService(stubCatalog, stubEnv());
    cleanups.push(async () => {
      first.child.kill('SIGKILL');
      await first.exited;
    });
    await known('catalog', 1);
    const statuses = new Map<number, number>();
    let stop = false;
    const worker = async () => {
      for (let n = 0; !stop; n++) {
        const answer = await get(`/api/products/q${n}`);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      }
    };
    const workers = Promise.all(Array.from({ length: 5 }, worker));
    await new Promise((resolve) => setTimeout(resolve, 200));
    // As `mercato up` restarts a killed child: gone without a word, a new one on another port soon after.
    first.child.kill('SIGKILL');
    await first.exited;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const replacement = await spawnService(stubCatalog, stubEnv());
    cleanups.push(async () => {
      replacement.child.kill('SIGKILL');
      await replacement.exited;
    });
    await waitFor('the replacement at the gateway', () =>
      gateway.context.discovery?.instances('catalog').some((i) => i.url === replacement.url),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    stop = true;
    await workers;
    // The tests after this one start from no catalog instance.
    replacement.child.kill('SIGTERM');
    await replacement.exited;
    await waitFor('no catalog instance at the gateway', () => gateway.context.discovery?.instances('catalog').length === 0, 15_000);
    // No instance at all now: a write is refused at once, never held for one.
    const post = performance.now();
    const refused = await request(`${gatewayUrl}/api/products`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    await refused.body.dump();
    const postMs = performance.now() - post;
    assert.deepEqual(Object.fromEntries(statuses), { 200: statuses.get(200) }, 'no GET failed while the instance was replaced');
    assert.equal(refused.statusCode, 503);
    assert.ok(postMs < 500, `a write is not held for an instance (${Math.round(postMs)} ms)`);
  });

  it('a GET in flight longer than the wait when its only instance dies still waits for the replacement', async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await waitFor('no catalog instance at the gateway', () => gateway.context.discovery?.instances('catalog').length === 0, 15_000);
    // A long poll: the first instance answers after 8 s, so the GET has been in flight 5.5 s when it dies.
    const first = await spawnService(stubCatalog, { ...stubEnv(), STUB_DELAY_MS: '8000' });
    cleanups.push(async () => {
      first.child.kill('SIGKILL');
      await first.exited;
    });
    await known('catalog', 1);
    const answer = get('/api/products/long-poll');
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    first.child.kill('SIGKILL');
    await first.exited;
    // As `mercato up` restarts it: a new process soon after (its start and registration take the rest of the wait).
    await new Promise((resolve) => setTimeout(resolve, 300));
    const replacement = await spawnService(stubCatalog, stubEnv());
    const answered = await answer;
    replacement.child.kill('SIGTERM');
    await replacement.exited;
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    assert.equal((answered.body as { instance: string }).instance, replacement.instanceId);
    await waitFor('no catalog instance at the gateway', () => gateway.context.discovery?.instances('catalog').length === 0, 15_000);
  });

  it('opens the circuit after repeated 5xx: 503 at once without calling the upstream, then a probe closes it', async () => {
    let status = 500;
    let delayMs = 0;
    let hits = 0;
    const stub = await createService(
      {
        name: 'recommendations',
        routes(app) {
          app.get('/api/recommendations', async (_request, reply) => {
            hits++;
            if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
            return reply.code(status).send({ items: [], strategy: 'popularity', status });
          });
        },
      },
      stubEnv(),
    );
    await stub.start();
    cleanups.push(() => stub.stop());
    await known('recommendations', 1);

    for (let i = 0; i < 3; i++) assert.equal((await get('/api/recommendations')).status, 500, 'the 5xx answer is passed through');
    assert.equal(hits, 3);
    for (let i = 0; i < 5; i++) {
      const open = await get('/api/recommendations');
      assert.equal(open.status, 503);
      assert.match(String(open.headers['content-type']), /application\/problem\+json/);
      assert.ok(Number(open.headers['retry-after']) >= 1, 'with Retry-After');
      assert.match((open.body as { detail: string }).detail, /recommendations is failing/);
      assert.ok(open.ms < 100, `answered in ${open.ms.toFixed(1)} ms`);
    }
    assert.equal(hits, 3, 'the upstream was not called while the circuit was open');

    await new Promise((resolve) => setTimeout(resolve, 550));
    assert.equal((await get('/api/recommendations')).status, 500, 'half-open: one probe goes through, and fails');
    assert.equal(hits, 4);
    assert.equal((await get('/api/recommendations')).status, 503, 'the failed probe opened the circuit again');
    assert.equal(hits, 4);

    await new Promise((resolve) => setTimeout(resolve, 550));
    status = 200;
    delayMs = 150;
    const probe = get('/api/recommendations');
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal((await get('/api/recommendations')).status, 503, 'while the probe runs, other requests still fail fast');
    assert.equal((await probe).status, 200);
    assert.equal(hits, 5);
    delayMs = 0;
    for (let i = 0; i < 5; i++) assert.equal((await get('/api/recommendations')).status, 200, 'closed again');
    assert.equal(hits, 10);

    status = 404;
    for (let i = 0; i < 5; i++) assert.equal((await get('/api/recommendations')).status, 404);
    status = 200;
    assert.equal((await get('/api/recommendations')).status, 200, '4xx answers do not open the circuit');
  });

  it('an unreachable service also opens its circuit', async () => {
    const stub = await createService(
      {
        name: 'inventory',
        routes(app) {
          app.get('/api/inventory/:sku', async () => ({ sku: 'x', available: 1 }));
        },
      },
      stubEnv(),
    );
    await stub.start();
    cleanups.push(() => stub.stop());
    await known('inventory', 1);
    assert.equal((await get('/api/inventory/x')).status, 200);
    // Dead without deregistering: the heartbeat goes on, the port refuses connections.
    stub.app.server.closeAllConnections();
    stub.app.server.close();
    for (let i = 0; i < 3; i++) {
      const unreachable = await get('/api/inventory/x');
      assert.equal(unreachable.status, 503);
      assert.match((unreachable.body as { detail: string }).detail, /inventory is unreachable/);
    }
    const open = await get('/api/inventory/x');
    assert.equal(open.status, 503);
    assert.match((open.body as { detail: string }).detail, /inventory is failing/);
  });
});
