import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createService } from '@mercato/kit';
import { registryDefinition } from '@mercato/registry';
import { Agent, request } from 'undici';
import { gatewayDefinition } from '../src/app.ts';

const dir = mkdtempSync(join(tmpdir(), 'mercato-tls-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('HTTPS at the gateway', () => {
  it('serves HTTPS when MERCATO_TLS_CERT and MERCATO_TLS_KEY are set', async () => {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
      ],
      { stdio: 'ignore' },
    );
    const registry = await createService(registryDefinition(), { LOG_LEVEL: 'silent', MERCATO_AUTH: 'off' });
    const registryUrl = await registry.start();
    const gateway = await createService(gatewayDefinition(), {
      LOG_LEVEL: 'silent',
      GATEWAY_PORT: '0',
      MERCATO_REGISTRY_URL: registryUrl,
      MERCATO_TLS_CERT: cert,
      MERCATO_TLS_KEY: key,
    });
    try {
      const url = await gateway.start();
      assert.match(url, /^https:\/\//);
      const response = await request(`${url}/health/live`, { dispatcher: new Agent({ connect: { rejectUnauthorized: false } }) });
      assert.equal(response.statusCode, 200);
      assert.match(String(response.headers['strict-transport-security']), /max-age=\d+/);
      assert.match(String(response.headers['content-security-policy']), /upgrade-insecure-requests/);
      await response.body.dump();
    } finally {
      await gateway.stop();
      await registry.stop();
    }
  });

  it('refuses a certificate without its key with one clear configuration error', async () => {
    await assert.rejects(
      createService(gatewayDefinition(), {
        LOG_LEVEL: 'silent',
        GATEWAY_PORT: '0',
        MERCATO_REGISTRY_URL: 'http://127.0.0.1:1',
        MERCATO_TLS_CERT: '/nope.pem',
      }),
      /MERCATO_TLS_KEY and MERCATO_TLS_CERT must be set together/,
    );
  });
});
