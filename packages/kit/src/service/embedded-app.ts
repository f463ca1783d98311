import type { TProperties } from 'typebox';
import type { HttpApp } from '../http-app.ts';
import type { NeedsOf, ServiceContext, ServiceDefinition } from './definition.ts';
import { createService } from './service.ts';

/** A route as the service declares it: method and pattern, `GET /api/products/:idOrSlug`. */
export type RouteKey = `${'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'} /${string}`;

export interface EmbeddedApp<P extends TProperties, M extends URL | undefined, Disc extends boolean | undefined> {
  /** Requests go in through `app.inject` (what `@fastify/aws-lambda` does): it never listens. */
  app: HttpApp;
  context: ServiceContext<P, NeedsOf<M, Disc>>;
  /** Closes the pool (the end of a test; a Lambda's environment is frozen and dropped instead). */
  close(): Promise<void>;
}

/**
 * A service's HTTP app for a function runtime (AWS Lambda behind API Gateway): the definition's setup
 * and routes, with their schemas, the kit's input rules, problem+json errors and request ids, on a
 * small pool, and none of the process around them. `start()` never runs, so nothing migrates (the
 * service's own rollout does that, once, under its lock), no bus, outbox relay or consumer starts,
 * nothing registers and no port opens; the registry is not watched either (it would hold a stream open).
 *
 * It is an edge, like the gateway: it asks for no token. So only the `expose`d routes answer, and
 * every other request — the service's other routes (admin writes, `/internal/*`) and the kit's own
 * (`/health/*`, `/metrics`, `/openapi.json`, traces, dead letters) — gets the 404 an unknown route
 * gets: not there, rather than refused. A HEAD follows its GET.
 */
export async function createEmbeddedApp<P extends TProperties, D, M extends URL | undefined, Disc extends boolean | undefined>(
  definition: ServiceDefinition<P, D, M, Disc>,
  options: {
    expose: readonly RouteKey[];
    env?: NodeJS.ProcessEnv;
    /** Default 1: a Lambda environment handles one request at a time, and each one's queries run one after another. */
    databasePoolMax?: number;
  },
): Promise<EmbeddedApp<P, M, Disc>> {
  const exposed = new Set<string>(options.expose);
  const service = await createService(
    // Nothing that belongs to a long-lived process: no consumers, workers or registration.
    { ...definition, auth: 'edge', register: false, subscriptions: undefined, beforeListen: undefined, onStop: undefined },
    { ...(options.env ?? process.env), MERCATO_REGISTRY_URL: undefined },
    { databasePoolMax: options.databasePoolMax ?? 1 },
  );
  const { app } = service;
  app.addHook('onRequest', async (request, reply) => {
    // An unknown route is already on its way to the not-found answer.
    if (request.is404) return;
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    if (exposed.has(`${method} ${request.routeOptions.url}`)) return;
    reply.callNotFound();
    return reply;
  });
  return { app, context: service.context, close: () => service.stop() };
}
