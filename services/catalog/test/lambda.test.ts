import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connectDatabase, sql } from '@mercato/kit';
import { createTestDatabase } from '@mercato/kit/testing';
import { type CatalogLambda, catalogLambda, createCatalogLambda, handler } from '../src/lambda.ts';
import { type CatalogHarness, type Product, startCatalog } from './harness.ts';

/**
 * The catalog's read API as a Lambda behind an API Gateway HTTP API. The service itself migrates its
 * database and takes the admin writes (as in production, where its rollout migrates); the Lambda,
 * made from its own environment, only reads.
 */
let catalog: CatalogHarness;
let lambda: CatalogLambda;
let databaseUrl: string;
let headphones: Product;

before(async () => {
  catalog = await startCatalog('catalog_lambda');
  databaseUrl = String(catalog.service.context.database?.pool.options.connectionString);
  // Created in this order, so the default `newest` lists them reversed.
  await catalog.createProduct({
    slug: 'studio-stand',
    name: 'Studio stand',
    description: 'Holds your headphones',
    category: 'accessories',
  });
  headphones = await catalog.createProduct({
    slug: 'aurora-headphones',
    name: 'Aurora wireless headphones',
    description: 'Over-ear, noise cancelling',
    category: 'audio',
    price: { amount: 19900, currency: 'USD' },
  });
  await catalog.createProduct({
    slug: 'pocket-speaker',
    name: 'Pocket speaker',
    category: 'audio',
    price: { amount: 4900, currency: 'USD' },
  });
  lambda = await createCatalogLambda({ LOG_LEVEL: 'silent', CATALOG_DATABASE_URL: databaseUrl });
});
after(async () => {
  await lambda?.close();
  await catalog?.close();
});

/** An API Gateway HTTP API event, payload format 2.0, as the `$default` route of the `$default` stage sends it. */
function httpApiEvent(method: string, path: string, options: { headers?: Record<string, string>; body?: unknown } = {}) {
  const [rawPath = '/', rawQueryString = ''] = path.split(/\?(.*)/s);
  // API Gateway decodes the query for `queryStringParameters`, joining a repeated name's values with commas.
  const queryStringParameters: Record<string, string> = {};
  for (const pair of rawQueryString ? rawQueryString.split('&') : []) {
    const [name = '', value = ''] = pair.split(/=(.*)/s).map(decodeURIComponent);
    queryStringParameters[name] = name in queryStringParameters ? `${queryStringParameters[name]},${value}` : value;
  }
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const now = new Date();
  const domainName = 'r4nd0m1d.execute-api.eu-west-1.amazonaws.com';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers: {
      accept: 'application/json',
      'accept-encoding': 'gzip, deflate, br',
      'content-length': String(body === undefined ? 0 : Buffer.byteLength(body)),
      host: domainName,
      'user-agent': 'Mozilla/5.0 (shopper)',
      'x-amzn-trace-id': `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`,
      'x-forwarded-for': '203.0.113.7',
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    ...(rawQueryString ? { queryStringParameters } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'r4nd0m1d',
      domainName,
      domainPrefix: 'r4nd0m1d',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'Mozilla/5.0 (shopper)' },
      requestId: `${randomBytes(10).toString('base64').replace(/=+$/, '')}=`,
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: false,
  };
}

/** The Lambda context the runtime passes beside the event. */
function lambdaContext() {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'mercato-catalog-read',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:mercato-catalog-read',
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/mercato-catalog-read',
    logStreamName: '2026/12/03/[$LATEST]0123456789abcdef0123456789abcdef',
    getRemainingTimeInMillis: () => 10_000,
    done() {},
    fail() {},
    succeed() {},
  };
}

async function invoke(method: string, path: string, options: Parameters<typeof httpApiEvent>[2] = {}, entry = lambda.handler) {
  const event = httpApiEvent(method, path, options);
  const response = await entry(event, lambdaContext());
  const json = response.body ? (JSON.parse(response.body) as Record<string, unknown>) : undefined;
  return { ...response, json, event };
}

/** What the database says, asked on a connection of the test's own. */
async function rowsOf(url: string, query: ReturnType<typeof sql>): Promise<unknown[]> {
  const database = connectDatabase(url, { max: 1 });
  try {
    return (await query.execute(database.db)).rows;
  } finally {
    await database.close();
  }
}

const slugsOf = (json: Record<string, unknown> | undefined) => ((json?.items ?? []) as Product[]).map((p) => p.slug);

describe('the catalog as a Lambda behind API Gateway', () => {
  it('lists products a page at a time, with the cursor it gave, as JSON with an ETag and a one-second cache', async () => {
    const first = await invoke('GET', '/api/products?limit=2');
    assert.equal(first.statusCode, 200);
    assert.equal(first.isBase64Encoded, false);
    assert.equal(first.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(first.headers['cache-control'], 'public, max-age=1');
    assert.match(first.headers.etag ?? '', /^W\/"[A-Za-z0-9_-]{32}"$/);
    assert.equal(first.headers['x-request-id'], first.event.requestContext.requestId);
    assert.deepEqual(slugsOf(first.json), ['pocket-speaker', 'aurora-headphones']);
    const cursor = first.json?.nextCursor;
    assert.equal(typeof cursor, 'string');

    const second = await invoke('GET', `/api/products?limit=2&cursor=${encodeURIComponent(String(cursor))}`);
    assert.equal(second.statusCode, 200);
    assert.deepEqual(slugsOf(second.json), ['studio-stand']);
    assert.equal(second.json?.nextCursor, null);
  });

  it('finds headphones when the shopper types "hedphones", and takes a search text with a comma as one text', async () => {
    const typo = await invoke('GET', '/api/products?q=hedphones');
    assert.equal(typo.statusCode, 200);
    assert.equal(slugsOf(typo.json)[0], 'aurora-headphones');
    const withComma = await invoke('GET', `/api/products?q=${encodeURIComponent('aurora, headphones')}`);
    assert.equal(withComma.statusCode, 200);
    assert.deepEqual(slugsOf(withComma.json), ['aurora-headphones']);
  });

  it('gets a product by slug and by id, the same body under the same ETag, and answers 304 to that ETag', async () => {
    const bySlug = await invoke('GET', '/api/products/aurora-headphones');
    assert.equal(bySlug.statusCode, 200);
    assert.equal(bySlug.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(bySlug.headers['cache-control'], 'public, no-cache');
    assert.deepEqual(bySlug.json, headphones);

    const byId = await invoke('GET', `/api/products/${headphones.id}`);
    assert.equal(byId.statusCode, 200);
    assert.deepEqual(byId.json, headphones);
    assert.equal(byId.headers.etag, bySlug.headers.etag);

    const unchanged = await invoke('GET', '/api/products/aurora-headphones', { headers: { 'if-none-match': String(bySlug.headers.etag) } });
    assert.equal(unchanged.statusCode, 304);
    assert.equal(unchanged.body, '');
  });

  it('lists every category with its count of listed products', async () => {
    const { statusCode, headers, json } = await invoke('GET', '/api/categories');
    assert.equal(statusCode, 200);
    assert.equal(headers['cache-control'], 'public, max-age=1');
    assert.deepEqual(json, {
      items: [
        { slug: 'accessories', name: 'Accessories', productCount: 1 },
        { slug: 'audio', name: 'Audio', productCount: 2 },
      ],
      nextCursor: null,
    });
  });

  it('answers an unknown product with 404 problem+json', async () => {
    const { statusCode, headers, json } = await invoke('GET', '/api/products/no-such-thing');
    assert.equal(statusCode, 404);
    assert.match(headers['content-type'] ?? '', /^application\/problem\+json/);
    assert.equal(json?.type, 'https://mercato.dev/problems/catalog/product-not-found');
    assert.equal(json?.status, 404);
  });

  it('answers an unknown query parameter with 400 problem+json naming it', async () => {
    const { statusCode, headers, json } = await invoke('GET', '/api/products?colour=red');
    assert.equal(statusCode, 400);
    assert.match(headers['content-type'] ?? '', /^application\/problem\+json/);
    assert.equal(json?.type, 'https://mercato.dev/problems/validation');
    assert.match(String(json?.detail), /colour/);
  });

  it('serves no admin write, internal route or operator route, even to an admin token, and writes nothing', async () => {
    const admin = { authorization: `Bearer ${catalog.adminToken}` };
    const product = { slug: 'sneaky', name: 'Sneaky', category: 'misc', price: { amount: 1, currency: 'USD' }, sku: 'SKU-SNEAKY' };
    const attempts: [string, string, unknown?][] = [
      ['POST', '/api/products', product],
      ['PATCH', `/api/products/${headphones.id}`, { name: 'Renamed' }],
      ['DELETE', `/api/products/${headphones.id}`],
      ['POST', '/internal/products/by-sku', { skus: [headphones.sku] }],
      ['GET', '/media/products/aurora-headphones.svg'],
      ['GET', '/health/ready'],
      ['GET', '/metrics'],
      ['GET', '/openapi.json'],
      ['GET', '/internal/dead-letters'],
    ];
    for (const [method, path, body] of attempts) {
      const answer = await invoke(method, path, { headers: admin, body });
      assert.equal(answer.statusCode, 404, `${method} ${path}`);
      assert.match(answer.headers['content-type'] ?? '', /^application\/problem\+json/, `${method} ${path}`);
      assert.equal(answer.json?.type, 'https://mercato.dev/problems/not-found', `${method} ${path}`);
    }
    assert.deepEqual(await catalog.outboxTypes(), Array(3).fill('catalog.product.created.v1'));
    assert.deepEqual((await invoke('GET', `/api/products/${headphones.id}`)).json, headphones);
  });

  it('makes its app once per cold start and reuses it, on one database connection', async () => {
    process.env.LOG_LEVEL = 'silent';
    process.env.CATALOG_DATABASE_URL = databaseUrl;
    process.env.MERCATO_INSTANCE_ID = 'catalog-lambda-entry';
    try {
      const cold = catalogLambda();
      for (const path of ['/api/products', '/api/categories', '/api/products/pocket-speaker', '/api/products?q=speaker']) {
        assert.equal((await invoke('GET', path, {}, handler)).statusCode, 200, path);
      }
      assert.equal(await catalogLambda(), await cold);
      const connections = await rowsOf(
        databaseUrl,
        sql`select count(*)::int as n from pg_stat_activity where application_name = 'catalog-lambda-entry'`,
      );
      assert.deepEqual(connections, [{ n: 1 }]);
    } finally {
      await (await catalogLambda()).close();
      delete process.env.CATALOG_DATABASE_URL;
      delete process.env.MERCATO_INSTANCE_ID;
    }
  });

  it('does not migrate: on a database its service has not migrated it answers 500 and creates no table', async () => {
    const empty = await createTestDatabase('catalog_lambda_unmigrated');
    const unmigrated = await createCatalogLambda({ LOG_LEVEL: 'silent', DATABASE_URL: empty.url });
    try {
      const { statusCode, headers, json } = await invoke('GET', '/api/categories', {}, unmigrated.handler);
      assert.equal(statusCode, 500);
      assert.match(headers['content-type'] ?? '', /^application\/problem\+json/);
      assert.equal(json?.type, 'https://mercato.dev/problems/internal');
      assert.deepEqual(await rowsOf(empty.url, sql`select table_name from information_schema.tables where table_schema = 'public'`), []);
    } finally {
      await unmigrated.close();
      await empty.drop();
    }
  });
});
