import { InstanceRegistration, ServiceName } from '@mercato/contracts';
import { CommonProblems, type HttpApp, HttpProblem } from '@mercato/kit';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { InstanceTable } from '../domain/instance-table.ts';
import type { WatchHub } from '../watch-hub.ts';
import type { RegistryWriters, Writer } from '../writers.ts';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });

declare module 'fastify' {
  interface FastifyRequest {
    writer?: Writer;
  }
}

export function instancesRoutes(app: HttpApp, table: InstanceTable, hub: WatchHub, writers: RegistryWriters): void {
  // Authentication before validation: an anonymous write gets 401 whatever its body.
  const authenticate = async (request: FastifyRequest) => {
    request.writer = writers.authenticate(request);
  };
  const writerOf = (request: FastifyRequest): Writer => request.writer ?? 'open';
  const liveOwner = (id: string) => {
    const owner = table.ownerOf(id);
    if (owner === null) throw new HttpProblem(CommonProblems.notFound, `No live instance ${id}; register again.`);
    return owner;
  };

  app.post('/instances', { schema: { body: InstanceRegistration }, preValidation: authenticate }, async (request, reply) => {
    const registration = request.body;
    const writer = writerOf(request);
    writers.mayRegister(writer, registration.service);
    const change = table.register(registration, Date.now(), writer === 'open' ? undefined : writer.clientId);
    hub.publish(change);
    request.log.info({ service: change.instance.service, url: change.instance.url, id: change.instance.id }, 'instance registered');
    return reply.code(201).send({ id: change.instance.id, ttlSeconds: table.ttlMs / 1000 });
  });

  app.put(
    '/instances/:id/heartbeat',
    { schema: { params: IdParams }, preValidation: authenticate, logLevel: 'warn' },
    async (request, reply) => {
      const { id } = request.params;
      writers.mayChange(writerOf(request), liveOwner(id), 'heartbeat');
      table.heartbeat(id, Date.now());
      return reply.code(204).send();
    },
  );

  app.delete('/instances/:id', { schema: { params: IdParams }, preValidation: authenticate }, async (request, reply) => {
    const { id } = request.params;
    writers.mayChange(writerOf(request), liveOwner(id), 'deregister');
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
      const { service } = request.query;
      return { items: table.list(service), nextCursor: null };
    },
  );

  app.get('/watch', (request, reply) => {
    // A watch that got past the router as the registry began to close (its hooks still running).
    if (hub.closed) throw new HttpProblem(CommonProblems.serviceUnavailable, 'The registry is stopping; watch another one or retry.');
    reply.hijack();
    hub.attach(reply.raw, table.list(), table.ttlMs / 1000);
    request.log.debug('watcher attached');
  });
}
