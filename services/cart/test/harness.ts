import {
  CartItemAdded,
  type CartView,
  type CatalogProduct,
  type CatalogProductInput,
  type EventDefinition,
  type EventEnvelope,
} from '@mercato/contracts';
import { type AnySchema, createService, type Kysely, type Service, sql } from '@mercato/kit';
import {
  createTestDatabase,
  createTestIssuer,
  type InjectedAnswer,
  type InjectOptions,
  injectJson,
  startObserver,
  type TestDatabase,
  waitFor,
} from '@mercato/kit/testing';
import type { Static, TSchema } from 'typebox';
import { startCatalogBehindIdentity } from '../../catalog/test/support/catalog-behind-identity.ts';
import { cartDefinition } from '../src/app.ts';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * The cart among the real services it depends on, each on its own database, as `mercato up` runs them:
 * a registry (discovery), identity (the cart's service token for the catalog, by client credentials), the
 * catalog (its internal by-SKU route; its events on the bus), an observer service that records what the
 * cart publishes, and one pg-boss bus database they share.
 * Shoppers' tokens, and the orders service's, are signed by a test issuer that cart and catalog trust.
 */
export interface CartWorld {
  cart: Service;
  catalog: Service;
  /** The cart's own database. */
  cartDb: Kysely<AnySchema>;
  /** A customer's access token; a new user unless `userId` is given. */
  userToken(userId?: string): Promise<string>;
  /** A service token from orders, addressed to the cart. */
  ordersToken: string;
  /** The gateway's operator credential, addressed to the cart (metrics, OpenAPI document). */
  opsToken: string;
  /** One request to the cart, as the gateway forwards it. */
  call(method: Method, url: string, options?: InjectOptions): Promise<InjectedAnswer & { body: CartBody }>;
  /** A product created through the catalog's admin API; fails the test unless it is 201. */
  createProduct(product: Partial<CatalogProductInput> & { slug: string }): Promise<CatalogProduct>;
  /** The cart events the observer received for a subject (a user id), in the order it handled them. */
  published(subject: string): Promise<{ type: string; data: unknown }[]>;
  /** A change through the catalog's admin API (PATCH, or DELETE to archive). */
  catalogAdmin(method: 'PATCH' | 'DELETE', url: string, body?: unknown): Promise<InjectedAnswer>;
  /** Publishes an event as another service does (the observer's outbox, then the bus), e.g. one of orders'. */
  publish<T extends string, S extends TSchema>(definition: EventDefinition<T, S>, subject: string, data: Static<S>): Promise<EventEnvelope>;
  /** Hands envelopes to the bus again as they are, ids included: what a relay that crashed before marking them sent does. */
  republish(...envelopes: EventEnvelope[]): Promise<void>;
  /** Whether the cart has handled an event: its inbox row commits with the event's effect. */
  handled(eventId: string): Promise<boolean>;
  close(): Promise<void>;
}

// biome-ignore lint/suspicious/noExplicitAny: assertions read whatever the answer holds
type CartBody = (CartView & Record<string, any>) | undefined;

export async function startCartWorld(label: string): Promise<CartWorld> {
  const databases: TestDatabase[] = [];
  const database = async (name: string) => {
    const created = await createTestDatabase(`${label}_${name}`);
    databases.push(created);
    return created;
  };
  const [busDb, identityDb, catalogDb, cartDb] = [
    await database('bus'),
    await database('identity'),
    await database('catalog'),
    await database('cart'),
  ];
  const issuer = await createTestIssuer();
  const quiet = { LOG_LEVEL: process.env.CART_TEST_LOG_LEVEL ?? 'silent' };
  const upstream = await startCatalogBehindIdentity({
    client: 'cart',
    issuer,
    identityDatabaseUrl: identityDb.url,
    catalogDatabaseUrl: catalogDb.url,
    busUrl: busDb.url,
    logLevel: quiet.LOG_LEVEL,
  });
  const { catalog, common, secret: cartSecret } = upstream;
  const observer = await startObserver({ label, busUrl: busDb.url, events: [CartItemAdded], logLevel: quiet.LOG_LEVEL });
  const cart = await createService(
    { ...cartDefinition(), jwks: () => issuer.jwks },
    {
      ...common,
      CART_DATABASE_URL: cartDb.url,
      BUS_DATABASE_URL: busDb.url,
      MERCATO_CLIENT_ID: 'cart',
      MERCATO_CLIENT_SECRET: cartSecret,
    },
  );
  await cart.start();
  await waitFor('the cart to know identity and the catalog', () =>
    ['identity', 'catalog'].every((service) => (cart.context.discovery?.instances(service).length ?? 0) > 0),
  );

  const adminToken = await issuer.userToken(['customer', 'admin']);
  const ordersToken = await issuer.serviceToken('orders', 'cart');
  const db = cart.context.database?.db;
  if (!db) throw new Error('the cart has no database');

  return {
    cart,
    catalog,
    cartDb: db,
    ordersToken,
    opsToken: await issuer.serviceToken('gateway-ops', 'cart'),
    userToken: (userId) => issuer.userToken(['customer'], userId),
    call: (method, url, options = {}) => injectJson(cart.app, method, url, options) as Promise<InjectedAnswer & { body: CartBody }>,
    async createProduct(product) {
      const body: CatalogProductInput = {
        name: product.slug.replace(/-/g, ' '),
        description: '',
        category: 'misc',
        price: { amount: 1000, currency: 'USD' },
        sku: `SKU-${product.slug}`.slice(0, 64),
        images: [],
        attributes: {},
        ...product,
      };
      const answer = await injectJson(catalog.app, 'POST', '/api/products', { token: adminToken, body });
      if (answer.status !== 201) throw new Error(`creating ${product.slug} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      return answer.body as CatalogProduct;
    },
    published: (subject) => observer.received(subject),
    catalogAdmin: (method, url, body) => injectJson(catalog.app, method, url, { token: adminToken, body }),
    publish: (definition, subject, data) => observer.publish((send) => send(definition, subject, data)),
    republish: (...envelopes) => observer.republish(...envelopes),
    async handled(eventId) {
      const { rows } = await sql`select 1 from mercato_inbox where consumer = 'cart' and event_id = ${eventId}`.execute(db);
      return rows.length > 0;
    },
    async close() {
      await cart.stop();
      await observer.stop();
      await upstream.stop();
      for (const created of databases) await created.drop();
    },
  };
}
