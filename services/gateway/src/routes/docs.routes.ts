import swaggerUi from '@fastify/swagger-ui';
import { type Discovery, type HttpApp, SERVICE_NAMES, type ServiceTokens } from '@mercato/kit';
import { type Dispatcher, request } from 'undici';
import { ROUTE_TABLE } from '../route-table.ts';

type OpenApi = { paths?: Record<string, unknown>; components?: { schemas?: Record<string, unknown> } };

/** The merged document is rebuilt at most this often. */
const CACHE_MS = 60_000;

const isPublic = (path: string) => ROUTE_TABLE.some(({ prefix }) => path === prefix || path.startsWith(`${prefix}/`));

/**
 * `/docs`: the public API as one OpenAPI document, merged from every service's own `/openapi.json`
 * (only paths the gateway routes), with Swagger UI. A service that does not answer is left out.
 */
export async function docsRoutes(
  app: HttpApp,
  discovery: Discovery,
  tokens: ServiceTokens | undefined,
  dispatcher?: Dispatcher | undefined,
): Promise<void> {
  let merged: OpenApi & Record<string, unknown> = { openapi: '3.0.3', info: { title: 'Mercato API', version: '1' }, paths: {} };
  let builtAt = 0;

  async function rebuild(): Promise<void> {
    if (Date.now() - builtAt < CACHE_MS) return;
    const paths: Record<string, unknown> = {};
    const schemas: Record<string, unknown> = {};
    await Promise.all(
      SERVICE_NAMES.map(async (service) => {
        const instance = discovery.pick(service);
        if (!instance) return;
        try {
          const headers = tokens ? { authorization: `Bearer ${await tokens.tokenFor(service)}` } : undefined;
          const response = await request(`${instance.url}/openapi.json`, { headers, headersTimeout: 2_000, dispatcher });
          if (response.statusCode !== 200) return void (await response.body.dump());
          const document = (await response.body.json()) as OpenApi;
          for (const [path, item] of Object.entries(document.paths ?? {})) if (isPublic(path)) paths[path] = item;
          Object.assign(schemas, document.components?.schemas ?? {});
        } catch (error) {
          app.log.debug({ err: error, service }, 'no OpenAPI document from this service');
        }
      }),
    );
    // The gateway's own public routes (the storefront page, ops) are in the document too.
    const own = app.swagger() as OpenApi;
    for (const [path, item] of Object.entries(own.paths ?? {})) if (path.startsWith('/api/')) paths[path] = item;
    merged = { openapi: '3.0.3', info: { title: 'Mercato API', version: '1' }, paths, components: { schemas } };
    builtAt = Date.now();
  }

  // @fastify/swagger is already registered by the kit; the UI shows the merged document instead of the gateway's own.
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    transformSpecification: () => merged,
    transformSpecificationClone: false,
  });
  app.addHook('onRequest', async (request) => {
    if (request.url.startsWith('/docs/json') || request.url.startsWith('/docs/yaml')) await rebuild();
  });
}
