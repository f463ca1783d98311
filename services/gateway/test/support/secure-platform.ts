import { createHash, randomBytes } from 'node:crypto';
import { identityDefinition } from '@mercato/identity';
import { createService, type Service } from '@mercato/kit';
import { createTestDatabase, type TestDatabase, waitFor } from '@mercato/kit/testing';
import { registryDefinition } from '@mercato/registry';
import { gatewayDefinition } from '../../src/app.ts';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

export interface SecurePlatform {
  registryUrl: string;
  /** Each client's secret (gateway, gateway-ops, catalog, identity), as `mercato up` provisions them. */
  secrets: Record<string, string>;
  identity: Service;
  catalog: Service;
  gateways: Service[];
  gatewayUrls: string[];
  /** The catalog stub's record of who called it. */
  calls: { principal: string }[];
  stop(): Promise<void>;
}

/**
 * A registry, a real identity (own database), a catalog stub that requires tokens like every service,
 * and `gateways` gateways with their own client credentials: the edge-security tests' world.
 */
export async function startSecurePlatform(
  options: { gateways?: number; gatewayEnv?: Record<string, string> } = {},
): Promise<SecurePlatform> {
  const quiet = { LOG_LEVEL: 'silent' };
  const secrets = {
    gateway: randomBytes(24).toString('base64url'),
    'gateway-ops': randomBytes(24).toString('base64url'),
    catalog: randomBytes(24).toString('base64url'),
    identity: randomBytes(24).toString('base64url'),
  };
  const clientHashes = JSON.stringify(Object.fromEntries(Object.entries(secrets).map(([id, secret]) => [id, sha(secret)])));
  const database: TestDatabase = await createTestDatabase('gw_identity');
  const registry = await createService(registryDefinition(), {
    ...quiet,
    REGISTRY_TTL_SECONDS: '5',
    REGISTRY_SERVICE_CLIENTS: clientHashes,
  });
  const registryUrl = await registry.start();
  const common = { ...quiet, MERCATO_REGISTRY_URL: registryUrl, MERCATO_HEARTBEAT_MS: '200' };
  const identity = await createService(identityDefinition(), {
    ...common,
    IDENTITY_DATABASE_URL: database.url,
    MERCATO_DATA_KEY: randomBytes(32).toString('base64'),
    IDENTITY_SERVICE_CLIENTS: clientHashes,
    MERCATO_CLIENT_ID: 'identity',
    MERCATO_CLIENT_SECRET: secrets.identity,
  });
  await identity.start();
  const calls: { principal: string }[] = [];
  const catalog = await createService(
    {
      name: 'catalog',
      routes(app) {
        app.get('/api/products', { config: { anyQuery: true } }, async (request) => {
          const p = request.principal;
          const principal = p?.kind === 'user' ? `user:${p.userId}` : p?.kind === 'service' ? `service:${p.service}` : 'none';
          calls.push({ principal });
          return { items: [], nextCursor: null, principal };
        });
      },
    },
    { ...common, MERCATO_CLIENT_ID: 'catalog', MERCATO_CLIENT_SECRET: secrets.catalog },
  );
  const catalogUrl = await catalog.start();
  void catalogUrl;
  const gateways: Service[] = [];
  const gatewayUrls: string[] = [];
  for (let i = 0; i < (options.gateways ?? 1); i++) {
    const gateway = await createService(gatewayDefinition(), {
      ...common,
      GATEWAY_PORT: '0',
      MERCATO_CLIENT_ID: 'gateway',
      MERCATO_CLIENT_SECRET: secrets.gateway,
      MERCATO_OPS_CLIENT_SECRET: secrets['gateway-ops'],
      ...options.gatewayEnv,
    });
    gatewayUrls.push(await gateway.start());
    gateways.push(gateway);
  }
  for (const gateway of gateways) {
    await waitFor('the gateway to see identity and catalog', () =>
      ['identity', 'catalog'].every((s) => (gateway.context.discovery?.instances(s).length ?? 0) > 0),
    );
  }
  return {
    registryUrl,
    secrets,
    identity,
    catalog,
    gateways,
    gatewayUrls,
    calls,
    async stop() {
      for (const gateway of gateways) await gateway.stop();
      await catalog.stop();
      await identity.stop();
      await registry.stop();
      await database.drop();
    },
  };
}
