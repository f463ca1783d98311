import type { CatalogProduct, CatalogProductInput, EventDefinition, EventEnvelope } from '@mercato/contracts';
import { createService, type Service } from '@mercato/kit';
import {
  createTestDatabase,
  createTestIssuer,
  type InjectedAnswer,
  injectJson,
  startObserver,
  type TestDatabase,
} from '@mercato/kit/testing';
import type { Static, TSchema } from 'typebox';
import { startCatalogBehindIdentity } from '../../catalog/test/support/catalog-behind-identity.ts';
import { recommendationsDefinition } from '../src/app.ts';

/**
 * Recommendations among the real services it depends on, as `mercato up` runs them: a registry,
 * identity (its service token for the catalog), the catalog (its summaries route and its events), an
 * observer that publishes the events other services would (views, cart additions, confirmed orders),
 * one pg-boss bus, and any number of recommendations instances sharing one database.
 */
export interface RecommendationsWorld {
  /** Starts one more instance on the shared database; `fast` polls, snapshots and syncs often. */
  startInstance(): Promise<Service>;
  /** The instances started and not stopped, oldest first. */
  instances: Service[];
  stopInstance(instance: Service): Promise<void>;
  /** A shopper's access token (a new user unless `userId` is given). */
  userToken(userId?: string): Promise<string>;
  /** A request to an instance, as the gateway forwards it (its service token unless `token`). */
  call(instance: Service, url: string, token?: string): Promise<InjectedAnswer & { body: RecommendationsBody }>;
  createProduct(slug: string, category?: string): Promise<CatalogProduct>;
  archive(productId: string): Promise<void>;
  publish<T extends string, S extends TSchema>(definition: EventDefinition<T, S>, subject: string, data: Static<S>): Promise<EventEnvelope>;
  /** The gateway's operator credential, addressed to recommendations (`/metrics`). */
  opsToken: string;
  /** SQL on the recommendations database. */
  databaseUrl: string;
  close(): Promise<void>;
}

// biome-ignore lint/suspicious/noExplicitAny: assertions read whatever the answer holds
type RecommendationsBody = { items: { id: string; slug: string; [field: string]: any }[]; strategy: string } & Record<string, any>;

export async function startRecommendationsWorld(label: string): Promise<RecommendationsWorld> {
  const databases: TestDatabase[] = [];
  const database = async (name: string) => {
    const created = await createTestDatabase(`${label}_${name}`);
    databases.push(created);
    return created;
  };
  const busDb = await database('bus');
  const identityDb = await database('identity');
  const catalogDb = await database('catalog');
  const recommendationsDb = await database('recommendations');
  const issuer = await createTestIssuer();
  const quiet = { LOG_LEVEL: process.env.RECOMMENDATIONS_TEST_LOG_LEVEL ?? 'silent' };
  const upstream = await startCatalogBehindIdentity({
    client: 'recommendations',
    issuer,
    identityDatabaseUrl: identityDb.url,
    catalogDatabaseUrl: catalogDb.url,
    busUrl: busDb.url,
    logLevel: quiet.LOG_LEVEL,
  });
  const { catalog, common, secret } = upstream;
  const observer = await startObserver({ label, busUrl: busDb.url, events: [], logLevel: quiet.LOG_LEVEL });
  const adminToken = await issuer.userToken(['customer', 'admin']);
  const gatewayToken = await issuer.serviceToken('gateway', 'recommendations');
  const instances: Service[] = [];

  return {
    instances,
    opsToken: await issuer.serviceToken('gateway-ops', 'recommendations'),
    databaseUrl: recommendationsDb.url,
    async startInstance() {
      const instance = await createService(
        { ...recommendationsDefinition(), jwks: () => issuer.jwks },
        {
          ...common,
          RECOMMENDATIONS_DATABASE_URL: recommendationsDb.url,
          BUS_DATABASE_URL: busDb.url,
          MERCATO_CLIENT_ID: 'recommendations',
          MERCATO_CLIENT_SECRET: secret,
          RECOMMENDATIONS_POLL_MS: '100',
          RECOMMENDATIONS_CATALOG_SYNC_MS: '1000',
        },
      );
      await instance.start();
      instances.push(instance);
      return instance;
    },
    async stopInstance(instance) {
      await instance.stop();
      instances.splice(instances.indexOf(instance), 1);
    },
    userToken: (userId) => issuer.userToken(['customer'], userId),
    call: (instance, url, token = gatewayToken) =>
      injectJson(instance.app, 'GET', url, { token }) as Promise<InjectedAnswer & { body: RecommendationsBody }>,
    async createProduct(slug, category = 'misc') {
      const body: CatalogProductInput = {
        slug,
        name: slug.replace(/-/g, ' '),
        description: '',
        category,
        price: { amount: 1000, currency: 'USD' },
        sku: `SKU-${slug}`.slice(0, 64),
        images: [],
        attributes: {},
      };
      const answer = await injectJson(catalog.app, 'POST', '/api/products', { token: adminToken, body });
      if (answer.status !== 201) throw new Error(`creating ${slug} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      return answer.body as CatalogProduct;
    },
    async archive(productId) {
      const answer = await injectJson(catalog.app, 'DELETE', `/api/products/${productId}`, { token: adminToken });
      if (answer.status !== 204) throw new Error(`archiving answered ${answer.status}`);
    },
    publish: (definition, subject, data) => observer.publish((send) => send(definition, subject, data)),
    async close() {
      for (const instance of instances.splice(0)) await instance.stop();
      await observer.stop();
      await upstream.stop();
      for (const created of databases) await created.drop();
    },
  };
}
