import { createHash, randomBytes } from 'node:crypto';
import { identityDefinition } from '@mercato/identity';
import { createService, type Service } from '@mercato/kit';
import type { createTestIssuer } from '@mercato/kit/testing';
import { registryDefinition } from '@mercato/registry';
import { catalogDefinition } from '../../src/app.ts';

/** A registry, identity and the catalog, as a service that calls the catalog finds them under `mercato up`. */
export interface CatalogBehindIdentity {
  registry: Service;
  identity: Service;
  catalog: Service;
  /** Env every further service of the test takes: quiet logs, the registry, fast heartbeats and stops. */
  common: Record<string, string>;
  /** The client secret identity knows for `client` (the service under test's credential). */
  secret: string;
  stop(): Promise<void>;
}

type TestIssuer = Awaited<ReturnType<typeof createTestIssuer>>;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Starts them on their own databases: identity holds one client credential (`client`, e.g. the cart)
 * for the service under test; the catalog trusts identity's keys (that service's tokens) and the test
 * issuer's (the admin who makes products), and publishes its events on `busUrl`.
 */
export async function startCatalogBehindIdentity(options: {
  client: string;
  issuer: TestIssuer;
  identityDatabaseUrl: string;
  catalogDatabaseUrl: string;
  busUrl: string;
  logLevel: string;
}): Promise<CatalogBehindIdentity> {
  const secret = randomBytes(24).toString('base64url');
  const quiet = { LOG_LEVEL: options.logLevel };
  const registry = await createService(registryDefinition(), { ...quiet, MERCATO_AUTH: 'off', REGISTRY_TTL_SECONDS: '5' });
  const registryUrl = await registry.start();
  const common = { ...quiet, MERCATO_REGISTRY_URL: registryUrl, MERCATO_HEARTBEAT_MS: '200', MERCATO_SHUTDOWN_TIMEOUT_MS: '1000' };
  const identity = await createService(identityDefinition(), {
    ...common,
    IDENTITY_DATABASE_URL: options.identityDatabaseUrl,
    MERCATO_DATA_KEY: randomBytes(32).toString('base64'),
    IDENTITY_SERVICE_CLIENTS: JSON.stringify({ [options.client]: sha256(secret) }),
    MERCATO_ADMIN_EMAIL: 'boss@shop.test',
    MERCATO_ADMIN_PASSWORD: 'correct horse battery',
  });
  const identityUrl = await identity.start();
  type KeySet = Awaited<ReturnType<TestIssuer['jwks']>>;
  const catalogKeys = async (): Promise<KeySet> => {
    const fromIdentity = (await (await fetch(`${identityUrl}/.well-known/jwks.json`)).json()) as KeySet;
    return { keys: [...fromIdentity.keys, ...(await options.issuer.jwks()).keys] };
  };
  const catalog = await createService(
    { ...catalogDefinition(), jwks: () => catalogKeys },
    { ...common, CATALOG_DATABASE_URL: options.catalogDatabaseUrl, BUS_DATABASE_URL: options.busUrl },
  );
  await catalog.start();
  return {
    registry,
    identity,
    catalog,
    common,
    secret,
    async stop() {
      await catalog.stop();
      await identity.stop();
      await registry.stop();
    },
  };
}
