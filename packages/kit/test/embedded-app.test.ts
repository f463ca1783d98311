import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createEmbeddedApp, defineService, sql } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

/** A service with a public read, a write for admins, an internal route and migrations of its own. */
const shelves = defineService({
  name: 'shelves',
  migrations: new URL('./fixtures/migrations/', import.meta.url),
  setup: ({ database }) => ({ db: database.db }),
  routes(app, { db }) {
    app.get('/api/shelves', async () => {
      const { rows } = await sql<{ n: number }>`select 1 as n`.execute(db);
      return { n: rows[0]?.n };
    });
    app.get('/api/shelves/:id', async (request) => ({ id: (request.params as { id: string }).id }));
    app.post('/api/shelves', { config: { access: 'admin' } }, async () => ({ created: true }));
    app.get('/internal/shelves', async () => ({ internal: true }));
  },
});

const embed = (databaseUrl: string) =>
  createEmbeddedApp(shelves, {
    expose: ['GET /api/shelves', 'GET /api/shelves/:id'],
    // Auth is required by default on a service port, and a registry is named: neither applies to an embedded app.
    env: { LOG_LEVEL: 'silent', SHELVES_DATABASE_URL: databaseUrl, MERCATO_REGISTRY_URL: 'http://127.0.0.1:9' },
  });

let database: TestDatabase;
let embedded: Awaited<ReturnType<typeof embed>>;

before(async () => {
  database = await createTestDatabase('embedded_app');
  embedded = await embed(database.url);
});
after(async () => {
  await embedded.close();
  await database.drop();
});

const inject = (method: 'GET' | 'HEAD' | 'POST', url: string) => embedded.app.inject({ method, url });

describe('an embedded app (a service run by a function runtime)', () => {
  it('answers its exposed routes without a token, as the edge it is', async () => {
    const list = await inject('GET', '/api/shelves');
    assert.equal(list.statusCode, 200);
    assert.deepEqual(list.json(), { n: 1 });
    const one = await inject('GET', '/api/shelves/oak');
    assert.deepEqual([one.statusCode, one.json()], [200, { id: 'oak' }]);
    const head = await inject('HEAD', '/api/shelves');
    assert.deepEqual([head.statusCode, head.body], [200, '']);
  });

  it("answers every other route, the kit's own included, as a route that does not exist", async () => {
    const unknown = await inject('GET', '/api/nowhere');
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().type, 'https://mercato.dev/problems/not-found');
    const hidden: ['GET' | 'POST', string][] = [
      ['POST', '/api/shelves'],
      ['GET', '/internal/shelves'],
      ['GET', '/health/live'],
      ['GET', '/health/ready'],
      ['GET', '/metrics'],
      ['GET', '/openapi.json'],
      ['GET', '/internal/traces'],
      ['GET', '/internal/dead-letters'],
    ];
    for (const [method, url] of hidden) {
      const answer = await inject(method, url);
      assert.equal(answer.statusCode, 404, `${method} ${url}`);
      assert.match(String(answer.headers['content-type']), /^application\/problem\+json/, `${method} ${url}`);
      assert.deepEqual(answer.json(), { ...unknown.json(), detail: `No route for ${method} ${url}.` }, `${method} ${url}`);
    }
  });

  it('neither migrates, listens, watches the registry nor holds more than one connection', async () => {
    await Promise.all([inject('GET', '/api/shelves'), inject('GET', '/api/shelves'), inject('GET', '/api/shelves')]);
    const { context, app } = embedded;
    assert.equal(context.database.pool.options.max, 1);
    assert.ok(context.database.pool.totalCount <= 1);
    assert.equal(app.server.listening, false);
    assert.equal(context.discovery, undefined);
    assert.equal(context.bus, undefined);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query(`select table_name from information_schema.tables where table_schema = 'public'`);
      assert.deepEqual(rows, []);
    } finally {
      await client.end();
    }
  });
});
