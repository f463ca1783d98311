// biome-ignore-all lint/suspicious/noExplicitAny: a black-box test reads untyped JSON answers
/**
 * MERCATO_INTERNAL_TLS=on against the whole platform: `mercato up` makes the CA and the certificates,
 * every process listens with mutual TLS and every internal hop verifies its peer, and a checkout still
 * confirms through the gateway. From outside, a service port answers neither plain HTTP nor a caller
 * whose certificate another CA signed.
 */
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLocalCa } from '@mercato/cli/internal-certs';
import { waitFor } from '@mercato/kit/testing';
import { Agent, request } from 'undici';
import { call, Shopper } from '../../orders/test/support/shop.ts';
import { startTestPlatform, stockedProduct, type TestPlatform } from './support/test-platform.ts';

let platform: TestPlatform;
let registryUrl: string;
const agents: Agent[] = [];

function agent(connect: Record<string, unknown>): Agent {
  const made = new Agent({ connect: { rejectUnauthorized: true, ...connect } });
  agents.push(made);
  return made;
}

/** What the `mercato` command's certificate from the data directory opens. */
async function platformAgent(): Promise<Agent> {
  const dir = join(platform.dataDir, 'internal-tls');
  const [ca, cert, key] = await Promise.all(['ca.pem', 'cli.pem', 'cli-key.pem'].map((file) => readFile(join(dir, file))));
  return agent({ ca, cert, key });
}

before(async () => {
  platform = await startTestPlatform('mtls', { MERCATO_INTERNAL_TLS: 'on' });
  registryUrl = await platform.registryUrl();
});

after(async () => {
  for (const made of agents) await made.close();
  await platform?.stop();
});

describe('mercato up with MERCATO_INTERNAL_TLS=on', () => {
  it('a checkout confirms through the gateway while every internal hop is mutual TLS', async () => {
    const sku = 'MTLS-1';
    await stockedProduct(platform.base, platform.admin, sku, 1500, 5);
    const shopper = await Shopper.register(platform.base, 'mtls');
    await shopper.add(sku, 1);
    const placed = await shopper.place('tok_visa');
    assert.equal(placed.status, 202, JSON.stringify(placed.body));
    const order = await shopper.final(placed.body.id);
    assert.equal(order.status, 'confirmed', `${JSON.stringify(order.history)}\n${platform.errors()}`);
    // The gateway's ops calls to every instance (its own dispatcher, its ops credential) pass too.
    const traces = await waitFor(`a trace of order ${order.id}`, async () => {
      const answer = await call(platform.base, 'GET', `/api/ops/traces?orderId=${order.id}`, { token: platform.admin });
      return answer.status === 200 && answer.body.items.length > 0 ? answer.body.items : undefined;
    });
    assert.ok(traces.length > 0);
    assert.doesNotMatch(platform.output(), /an ops call failed|certificate|EPROTO|socket hang up/i);
  });

  it('the registry and every service instance are reached at https:// URLs, and the CA key is private', async () => {
    assert.match(registryUrl, /^https:\/\//);
    const listed = await request(`${registryUrl}/instances`, { dispatcher: await platformAgent() });
    assert.equal(listed.statusCode, 200);
    const { items } = (await listed.body.json()) as { items: { service: string; url: string }[] };
    assert.ok(items.length >= 8, `instances: ${JSON.stringify(items)}`);
    // The gateway's port is the public one (browsers show no client certificate): it keeps its own TLS settings.
    for (const item of items.filter((i) => i.service !== 'gateway'))
      assert.match(item.url, /^https:\/\//, `${item.service} registered ${item.url}`);
    assert.equal((await stat(join(platform.dataDir, 'internal-tls', 'ca-key.pem'))).mode & 0o077, 0);
  });

  it('a plain-HTTP call to a service port gets no HTTP answer', async () => {
    const plain = registryUrl.replace('https://', 'http://');
    const outcome = await new Promise<string>((resolve) => {
      const outgoing = httpRequest(`${plain}/health/live`, { timeout: 3_000 }, (incoming) => {
        incoming.resume();
        resolve(`answered ${incoming.statusCode}`);
      });
      outgoing.once('timeout', () => outgoing.destroy(new Error('timeout')));
      outgoing.once('error', (error: NodeJS.ErrnoException) => resolve(`refused: ${error.code ?? error.message}`));
      outgoing.end();
    });
    assert.match(outcome, /^refused: /);
    assert.doesNotMatch(outcome, /timeout/);
  });

  it('a call with a certificate from another CA is refused', async () => {
    const ca = await readFile(join(platform.dataDir, 'internal-tls', 'ca.pem'));
    const foreign = await (await createLocalCa('Someone else’s CA')).issue('mercato-intruder');
    await assert.rejects(async () => {
      const response = await request(`${registryUrl}/health/live`, {
        dispatcher: agent({ ca, cert: foreign.certPem, key: foreign.keyPem }),
      });
      await response.body.dump();
    });
  });
});
