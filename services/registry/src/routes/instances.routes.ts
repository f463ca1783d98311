import { InstanceRegistration, ServiceName } from '@mercato/contracts';
import { CommonProblems, HttpProblem } from '@mercato/kit';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { InstanceTable } from '../domain/instance-table.ts';
import type { WatchHub } from '../watch-hub.ts';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });

export function instancesRoutes(app: FastifyInstance, table: InstanceTable, hub: WatchHub): void {
  app.post('/instances', { schema: { body: InstanceRegistration } }, async (request, reply) => {
    const change = table.register(request.body as InstanceRegistration, Date.now());
    hub.publish(change);
    request.log.info({ service: change.instance.service, url: change.instance.url, id: change.instance.id }, 'instance registered');
    return reply.code(201).send({ id: change.instance.id, ttlSeconds: table.ttlMs / 1000 });
  });

  app.put('/instances/:id/heartbeat', { schema: { params: IdParams }, logLevel: 'warn' }, async (request, reply) => {
    const { id } = request.params as { id: string };
    if (!table.heartbeat(id, Date.now())) throw new HttpProblem(CommonProblems.notFound, `No live instance ${id}; register again.`);
    return reply.code(204).send();
  });

  app.delete('/instances/:id', { schema: { params: IdParams } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const change = table.deregister(id);
    if (!change) throw new HttpProblem(CommonProblems.notFound, `No live instance ${id}.`);
    hub.publish(change);
    request.log.info({ service: change.instance.service, id }, 'instance deregistered');
    return reply.code(204).send();
  });

  app.get(
    '/instances',
    { schema: { querystring: Type.Object({ service: Type.Optional(ServiceName) }, { additionalProperties: false }) } },
    async (request) => {
      const { service } = request.query as { service?: string };
      return { items: table.list(service), nextCursor: null };
    },
  );

  app.get('/watch', (request, reply) => {
    reply.hijack();
    hub.attach(reply.raw, table.list(), table.ttlMs / 1000);
    request.log.debug('watcher attached');
  });
}
