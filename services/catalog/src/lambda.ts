import awsLambdaFastify, { type LambdaResponse, type PromiseHandler } from '@fastify/aws-lambda';
import { createEmbeddedApp, type RouteKey } from '@mercato/kit';
import { catalogDefinition } from './app.ts';

/**
 * What a Lambda behind API Gateway serves: the catalog's public reads and nothing else. It is a public
 * entry with no token check, so admin writes, `/internal/*` and the kit's health, metrics and OpenAPI
 * routes answer 404 there (`createEmbeddedApp`).
 */
export const PUBLIC_READS = [
  'GET /api/products',
  'GET /api/products/:idOrSlug',
  'GET /api/categories',
] as const satisfies readonly RouteKey[];

export interface CatalogLambda {
  /** Takes an API Gateway event (HTTP API payload 2.0 or 1.0, REST API) and resolves with its response. */
  handler: PromiseHandler<unknown, LambdaResponse>;
  /** Closes the pool; a Lambda environment is frozen and dropped instead, so only tests call it. */
  close(): Promise<void>;
}

/**
 * The catalog's read API as a Lambda handler, built from the service's own definition: the same
 * routes, schemas, input rules, problem+json errors, ETag and Cache-Control, reading the database at
 * `CATALOG_DATABASE_URL` (or `DATABASE_URL`) through a pool of one connection. It does not migrate:
 * the catalog service's rollout does, under the migrator's lock, before a Lambda version that needs
 * the new schema is published; hundreds of cold starts racing to migrate, each on a request's time
 * budget, would only add lock waits.
 */
export async function createCatalogLambda(env: NodeJS.ProcessEnv = process.env): Promise<CatalogLambda> {
  const { app, close } = await createEmbeddedApp(catalogDefinition(), { expose: PUBLIC_READS, env });
  const handler = awsLambdaFastify(app, {
    // No route reads the Lambda event or context: no per-request decoration to keep.
    decorateRequest: false,
    // API Gateway joins repeated parameters with commas; `q=red,wireless` is one search text, not a list.
    parseCommaSeparatedQueryParams: false,
  });
  // Routes and schemas compile during the cold start rather than in the first request's time.
  await app.ready();
  return { handler, close };
}

let instance: Promise<CatalogLambda> | undefined;

/** This execution environment's instance: made by the first invocation (the cold start), reused by every later one. */
export function catalogLambda(): Promise<CatalogLambda> {
  instance ??= createCatalogLambda().catch((error: unknown) => {
    // A failed cold start (a bad variable) is tried again by the next invocation rather than kept.
    instance = undefined;
    throw error;
  });
  return instance;
}

/** The Lambda entry point: handler `lambda.handler` (see the README for the bundle). */
export const handler: CatalogLambda['handler'] = async (event, context) => (await catalogLambda()).handler(event, context);
