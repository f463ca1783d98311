import { CommonProblems, type Discovery, type HttpApp, HttpProblem, SERVICE_NAMES } from '@mercato/kit';
import { Type } from 'typebox';
import { forward } from '../upstream.ts';

/** Healthy instances per business service, as discovery knows them. */
export function serviceCounts(discovery: Discovery): { ready: boolean; services: Record<string, number> } {
  const services: Record<string, number> = {};
  for (const name of SERVICE_NAMES) services[name] = discovery.instances(name).length;
  return { ready: Object.values(services).every((n) => n > 0), services };
}

export function healthRoutes(app: HttpApp, discovery: Discovery): void {
  /** One instance's liveness through the gateway: what `npm run bench -- health` compares with a direct call. */
  app.get(
    '/health/services/:name',
    { schema: { params: Type.Object({ name: Type.String({ maxLength: 64 }) }, { additionalProperties: false }) }, logLevel: 'warn' },
    async (request, reply) => {
      const { name } = request.params;
      if (!(SERVICE_NAMES as readonly string[]).includes(name)) throw new HttpProblem(CommonProblems.notFound, `No service named ${name}.`);
      return forward(discovery, name, request, reply, '/health/live');
    },
  );
}
