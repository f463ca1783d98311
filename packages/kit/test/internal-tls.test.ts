import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLocalCa, type IssuedCertificate, type LocalCa } from '@mercato/cli/internal-certs';
import { registryDefinition } from '@mercato/registry';
import { Agent, request } from 'undici';
import { ConfigError, createLogger, createService, type Service, ServiceClient, UpstreamUnavailableError } from '../src/index.ts';
import { waitFor } from '../src/testing/index.ts';

const silent = createLogger({ service: 'test', instance: 'test', level: 'silent' });

let dir: string;
let platformCa: LocalCa;
let otherCa: LocalCa;
let registry: Service;
let probe: Service;
let probeUrl: string;
let stranger: Service;
let strangerUrl: string;
const agents: Agent[] = [];

/** The env `mercato up` gives a process with MERCATO_INTERNAL_TLS=on: the CA and its own certificate as files. */
async function tlsEnv(name: string, ca: LocalCa, issued: IssuedCertificate): Promise<Record<string, string>> {
  const files = { ca: join(dir, `${name}-ca.pem`), cert: join(dir, `${name}.pem`), key: join(dir, `${name}-key.pem`) };
  await writeFile(files.ca, ca.certPem);
  await writeFile(files.cert, issued.certPem);
  await writeFile(files.key, issued.keyPem, { mode: 0o600 });
  return {
    MERCATO_INTERNAL_TLS: 'on',
    MERCATO_INTERNAL_CA_FILE: files.ca,
    MERCATO_INTERNAL_CERT_FILE: files.cert,
    MERCATO_INTERNAL_KEY_FILE: files.key,
  };
}

/** An undici dispatcher that trusts `ca` and shows `client` (or no certificate). */
function agentWith(ca: LocalCa, client?: IssuedCertificate): Agent {
  const agent = new Agent({
    connect: { ca: ca.certPem, ...(client ? { cert: client.certPem, key: client.keyPem } : {}), rejectUnauthorized: true },
  });
  agents.push(agent);
  return agent;
}

function probeDefinition(name: string) {
  return {
    name,
    routes(app: Service['app']) {
      app.get('/hello', async () => ({ hello: name }));
    },
  };
}

const commonEnv = { LOG_LEVEL: 'silent', MERCATO_AUTH: 'off', MERCATO_HEARTBEAT_MS: '200', MERCATO_SHUTDOWN_TIMEOUT_MS: '500' };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mercato-internal-tls-'));
  [platformCa, otherCa] = await Promise.all([createLocalCa(), createLocalCa('Someone else’s CA')]);
  registry = await createService(registryDefinition(), {
    ...commonEnv,
    REGISTRY_TTL_SECONDS: '5',
    ...(await tlsEnv('registry', platformCa, await platformCa.issue('mercato-registry'))),
  });
  const registryUrl = await registry.start();
  probe = await createService(probeDefinition('probe'), {
    ...commonEnv,
    MERCATO_REGISTRY_URL: registryUrl,
    ...(await tlsEnv('probe', platformCa, await platformCa.issue('mercato-probe'))),
  });
  probeUrl = await probe.start();
  // A server whose certificate another CA signed: what an impostor on the network would show.
  stranger = await createService(
    { ...probeDefinition('stranger'), register: false },
    { ...commonEnv, ...(await tlsEnv('stranger', otherCa, await otherCa.issue('mercato-stranger'))) },
  );
  strangerUrl = await stranger.start();
});

after(async () => {
  for (const agent of agents) await agent.close();
  await stranger?.stop();
  await probe?.stop();
  await registry?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('MERCATO_INTERNAL_TLS=on', () => {
  it('a service listens on https:// and registers that URL', async () => {
    assert.match(probeUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
    const registered = (): string | undefined => probe.context.discovery?.instances('probe')[0]?.url;
    await waitFor('the probe registered over mutual TLS', () => registered() === probeUrl);
  });

  it('a call with a certificate from the platform CA is answered 200', async () => {
    const client = await platformCa.issue('mercato-caller');
    const response = await request(`${probeUrl}/hello`, { dispatcher: agentWith(platformCa, client) });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(await response.body.json(), { hello: 'probe' });
    const health = await request(`${probeUrl}/health/live`, { dispatcher: agentWith(platformCa, client) });
    assert.equal(health.statusCode, 200);
    await health.body.dump();
  });

  it('a plain-HTTP call gets no HTTP answer', async () => {
    const plain = probeUrl.replace('https://', 'http://');
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

  it('an HTTPS call without a client certificate is refused', async () => {
    await assert.rejects(async () => {
      const response = await request(`${probeUrl}/health/live`, { dispatcher: agentWith(platformCa) });
      await response.body.dump();
    });
  });

  it('a call with a certificate from another CA is refused', async () => {
    const foreign = await otherCa.issue('mercato-caller');
    await assert.rejects(async () => {
      const response = await request(`${probeUrl}/health/live`, { dispatcher: agentWith(platformCa, foreign) });
      await response.body.dump();
    });
  });

  it('a ServiceClient between two services finds the other through the registry and calls it over mutual TLS', async () => {
    const client = probe.context.serviceClient();
    const answer = await client.request<{ hello: string }>('probe', { method: 'GET', path: '/hello' });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { hello: 'probe' });
  });

  it('a ServiceClient refuses a server whose certificate another CA signed', async () => {
    const url = strangerUrl;
    const client = new ServiceClient({
      discovery: {
        instances: () => [{ id: 'stranger-1', service: 'stranger', url, status: 'up', meta: {} }] as never,
        pick: () => ({ id: 'stranger-1', service: 'stranger', url, status: 'up', meta: {} }) as never,
        snapshot: () => new Map(),
        close: () => {},
      },
      log: silent,
      retries: 0,
      tls: probe.context.internalTls,
    });
    try {
      const error = await client.request('stranger', { method: 'GET', path: '/hello' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof UpstreamUnavailableError, `expected UpstreamUnavailableError, got ${String(error)}`);
      const cause = (error as { cause?: { code?: string } }).cause;
      assert.match(String(cause?.code), /CERT|UNABLE_TO|SELF_SIGNED/);
    } finally {
      await client.close();
    }
  });

  it('on without the certificate files stops the service with one line naming the variable', async () => {
    await assert.rejects(
      createService(probeDefinition('probe'), { ...commonEnv, MERCATO_INTERNAL_TLS: 'on' }),
      (error: unknown) => error instanceof ConfigError && error.variable === 'MERCATO_INTERNAL_CA_FILE',
    );
  });
});
