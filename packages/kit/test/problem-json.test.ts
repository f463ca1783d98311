import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Type } from 'typebox';
import { createService, HttpProblem, type Service } from '../src/index.ts';

const Body = Type.Object(
  { email: Type.String({ format: 'email' }), quantity: Type.Integer({ minimum: 1, maximum: 99 }) },
  { additionalProperties: false },
);
const Query = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) }, { additionalProperties: false });

let service: Service;

before(async () => {
  service = await createService(
    {
      name: 'probe',
      register: false,
      routes(app) {
        app.post('/things', { schema: { body: Body, querystring: Query } }, async (request) => ({ got: request.body }));
        app.get('/boom', async () => {
          throw new Error('secret internal detail');
        });
        app.get('/db-full', async () => {
          throw Object.assign(new Error('remaining connection slots are reserved'), { code: '53300' });
        });
        app.get('/client-gone', async () => {
          // What Fastify passes on when the client closes in the middle of its body.
          throw Object.assign(new Error('aborted'), { code: 'ECONNRESET', statusCode: 400 });
        });
        app.get('/gone', async () => {
          throw new HttpProblem({ type: 'https://mercato.dev/problems/thing-gone', title: 'Thing gone', status: 410 }, 'It went away.');
        });
      },
    },
    { LOG_LEVEL: 'silent', MERCATO_AUTH: 'off' },
  );
});
after(() => service.app.close());

const isProblem = (response: { headers: Record<string, unknown> }) =>
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);

describe('problem+json errors', () => {
  it('a body that breaks the schema is 400 with a JSON Pointer per field', async () => {
    const response = await service.app.inject({ method: 'POST', url: '/things', payload: { email: 'nope', quantity: 0 } });
    assert.equal(response.statusCode, 400);
    isProblem(response);
    const body = response.json();
    assert.equal(body.status, 400);
    assert.equal(body.type, 'https://mercato.dev/problems/validation');
    const pointers = body.errors.map((e: { pointer: string }) => e.pointer).sort();
    assert.deepEqual(pointers, ['#/email', '#/quantity']);
  });

  it('an unknown body field is 400 naming the field, not silently dropped', async () => {
    const response = await service.app.inject({ method: 'POST', url: '/things', payload: { email: 'a@b.co', quantity: 1, price: 1 } });
    assert.equal(response.statusCode, 400);
    assert.deepEqual(response.json().errors, [{ pointer: '#/price', detail: 'is not an allowed field' }]);
  });

  it('a missing body field is 400 pointing at it', async () => {
    const response = await service.app.inject({ method: 'POST', url: '/things', payload: { email: 'a@b.co' } });
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().errors[0].pointer, '#/quantity');
  });

  it('a query parameter out of range or unknown is 400 naming the parameter', async () => {
    const outOfRange = await service.app.inject({ method: 'POST', url: '/things?limit=500', payload: { email: 'a@b.co', quantity: 1 } });
    assert.equal(outOfRange.statusCode, 400);
    assert.equal(outOfRange.json().errors[0].parameter, 'limit');
    const unknown = await service.app.inject({ method: 'POST', url: '/things?colour=red', payload: { email: 'a@b.co', quantity: 1 } });
    assert.equal(unknown.statusCode, 400);
    assert.equal(unknown.json().errors[0].parameter, 'colour');
  });

  it('malformed JSON is 400', async () => {
    const response = await service.app.inject({
      method: 'POST',
      url: '/things',
      headers: { 'content-type': 'application/json' },
      payload: '{"email":',
    });
    assert.equal(response.statusCode, 400);
    isProblem(response);
    assert.equal(response.json().type, 'https://mercato.dev/problems/malformed-body');
  });

  it('a body over 1 MiB is 413', async () => {
    const payload = JSON.stringify({ email: 'a@b.co', quantity: 1, pad: 'x'.repeat(1024 * 1024) });
    const response = await service.app.inject({ method: 'POST', url: '/things', headers: { 'content-type': 'application/json' }, payload });
    assert.equal(response.statusCode, 413);
    isProblem(response);
  });

  it('an unknown route is 404 problem+json', async () => {
    const response = await service.app.inject({ method: 'GET', url: '/nothing-here' });
    assert.equal(response.statusCode, 404);
    isProblem(response);
    assert.equal(response.json().title, 'Not found');
  });

  it('a thrown error is 500 with no stack and no internal message', async () => {
    const response = await service.app.inject({ method: 'GET', url: '/boom' });
    assert.equal(response.statusCode, 500);
    isProblem(response);
    assert.doesNotMatch(response.body, /secret internal detail|\.ts:\d+|at /);
  });

  it('a problem from the service catalogue keeps its type, title and status', async () => {
    const response = await service.app.inject({ method: 'GET', url: '/gone' });
    assert.equal(response.statusCode, 410);
    assert.deepEqual(response.json(), {
      type: 'https://mercato.dev/problems/thing-gone',
      title: 'Thing gone',
      status: 410,
      detail: 'It went away.',
    });
  });

  it('every response carries x-request-id, echoing a valid one from the client', async () => {
    const echoed = await service.app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'abc-123' } });
    assert.equal(echoed.headers['x-request-id'], 'abc-123');
    const generated = await service.app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'bad id with spaces' } });
    assert.match(String(generated.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  });

  it('a database out of connections or unreachable is 503 with Retry-After, not a 500', async () => {
    const answer = await service.app.inject({ method: 'GET', url: '/db-full' });
    assert.equal(answer.statusCode, 503);
    assert.equal(answer.headers['retry-after'], '1');
    assert.equal(answer.json().type, 'https://mercato.dev/problems/service-unavailable');
  });

  it('a client that goes away mid-body (ECONNRESET, marked 400) is the client’s error, not the database unreachable', async () => {
    const answer = await service.app.inject({ method: 'GET', url: '/client-gone' });
    assert.equal(answer.statusCode, 400);
    isProblem(answer);
  });
});
