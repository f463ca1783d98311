import type { CatalogProduct, CatalogProductInput } from '@mercato/contracts';
import { createService, type Service, sql } from '@mercato/kit';
import {
  createTestDatabase,
  createTestIssuer,
  type InjectedAnswer,
  type InjectOptions,
  injectJson,
  type TestDatabase,
} from '@mercato/kit/testing';
import { catalogDefinition } from '../src/app.ts';

/**
 * A catalog on its own fresh database, with auth on: tokens are signed here with a key the service
 * trusts as if identity had published it.
 */
export interface CatalogHarness {
  service: Service;
  /** As the gateway calls for an anonymous shopper: its service token. */
  gatewayToken: string;
  adminToken: string;
  customerToken: string;
  /** A service token from cart, addressed to catalog. */
  cartToken: string;
  call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, options?: CallOptions): Promise<Answer>;
  /** Creates a product as an admin; fails the test unless it is 201. */
  createProduct(product: Partial<ProductInput> & { slug: string }): Promise<Product>;
  outboxTypes(): Promise<string[]>;
  close(): Promise<void>;
}

export type CallOptions = InjectOptions;
export type Answer = InjectedAnswer;

export type ProductInput = CatalogProductInput;
export type Product = CatalogProduct;

export async function startCatalog(label: string, env: Record<string, string> = {}): Promise<CatalogHarness> {
  const database: TestDatabase = await createTestDatabase(label);
  const issuer = await createTestIssuer();
  const service = await createService(
    { ...catalogDefinition(), jwks: () => issuer.jwks },
    { LOG_LEVEL: 'silent', CATALOG_DATABASE_URL: database.url, ...env },
  );
  await service.start();

  const gatewayToken = await issuer.serviceToken('gateway', 'catalog');
  const adminToken = await issuer.userToken(['customer', 'admin']);
  const customerToken = await issuer.userToken(['customer']);
  const cartToken = await issuer.serviceToken('cart', 'catalog');

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, options: CallOptions = {}): Promise<Answer> =>
    injectJson(service.app, method, url, options);

  return {
    service,
    gatewayToken,
    adminToken,
    customerToken,
    cartToken,
    call,
    async createProduct(product) {
      const body: ProductInput = {
        name: product.slug.replace(/-/g, ' '),
        description: '',
        category: 'misc',
        price: { amount: 1000, currency: 'USD' },
        sku: `SKU-${product.slug}`.slice(0, 64),
        images: [],
        attributes: {},
        ...product,
      };
      const answer = await call('POST', '/api/products', { token: adminToken, body });
      if (answer.status !== 201) throw new Error(`creating ${product.slug} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      return answer.body as Product;
    },
    async outboxTypes() {
      const db = service.context.database;
      if (!db) throw new Error('no database');
      const { rows } = await sql<{ type: string }>`select envelope->>'type' as type from mercato_outbox order by seq`.execute(db.db);
      return rows.map((row) => row.type);
    },
    async close() {
      await service.stop();
      await database.drop();
    },
  };
}
