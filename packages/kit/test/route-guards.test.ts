import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import type { Principal } from '../src/auth/principal.ts';
import { adminOnly, userOnly } from '../src/http/route-guards.ts';
import { HttpProblem } from '../src/problem.ts';

function app(principal: Principal | undefined) {
  const fastify = Fastify();
  fastify.addHook('onRequest', async (request) => {
    request.principal = principal;
  });
  fastify.setErrorHandler((error, _request, reply) => {
    reply.code(error instanceof HttpProblem ? error.problem.status : 400).send({});
  });
  const body = { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } };
  fastify.post('/user', { preValidation: userOnly, schema: { body } }, async () => ({}));
  fastify.post('/admin', { preValidation: adminOnly, schema: { body } }, async () => ({}));
  return fastify;
}

const customer = { kind: 'user', userId: 'u1', roles: ['customer'] } as unknown as Principal;

test('an anonymous bad body gets 401, not 400', async () => {
  const res = await app(undefined).inject({ method: 'POST', url: '/user', payload: { n: 'x' } });
  assert.equal(res.statusCode, 401);
});

test('a customer bad body on an admin route gets 403, not 400', async () => {
  const res = await app(customer).inject({ method: 'POST', url: '/admin', payload: { n: 'x' } });
  assert.equal(res.statusCode, 403);
});

test('a signed-in user bad body still gets 400', async () => {
  const res = await app(customer).inject({ method: 'POST', url: '/user', payload: { n: 'x' } });
  assert.equal(res.statusCode, 400);
});
