import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connectDatabase, createService, type Kysely, type Service, sql } from '../../src/index.ts';
import { createTcpProxy, createTestDatabase, type TestDatabase, viaProxy, waitFor } from '../../src/testing/index.ts';
import { spawnService } from '../fixtures/spawn-service.ts';
import { consumerDefinition } from './consumer-service.ts';
import { ThingHappened } from './test-events.ts';

/** How a contract run reaches the bus under test. */
export interface BusUnderTest {
  name: string;
  /** Env that points a service at the bus (the URL given may be a proxy's). */
  env(url: string): Record<string, string>;
  /** The bus's own URL (pg-boss: the bus database; NATS: the server). */
  url(): string;
  setup(): Promise<void>;
  teardown(): Promise<void>;
}

const consumerProcess = fileURLToPath(new URL('../fixtures/bus-consumer-process.ts', import.meta.url));
type Thing = { n: number; poison?: boolean; replayable?: boolean; slowMs?: number };

function dbOf(service: Service): Kysely<unknown> {
  const db = service.context.database?.db;
  assert.ok(db, `${service.context.name} has a database`);
  return db;
}

async function count(service: Service, where = sql`true`): Promise<number> {
  const { rows } = await sql<{ n: string }>`select count(*) as n from effects where ${where}`.execute(dbOf(service));
  return Number(rows[0]?.n);
}

async function publish(publisher: Service, things: { subject: string; data: Thing }[]): Promise<void> {
  const { database, outbox } = publisher.context;
  assert.ok(database && outbox);
  await database.db.transaction().execute(async (tx) => {
    for (const thing of things) await outbox.publish(tx, ThingHappened, thing);
  });
}

/** The one suite both adapters must pass (ARCHITECTURE.md, "Infrastructure"). */
export function busContract(bus: BusUnderTest): void {
  describe(`event bus contract: ${bus.name}`, () => {
    const databases: TestDatabase[] = [];
    const services: Service[] = [];
    const db: Record<'pub' | 'pub2' | 'alpha' | 'beta' | 'gamma', TestDatabase> = {} as never;

    async function start(
      name: string,
      dbName: keyof typeof db,
      definition = consumerDefinition(name),
      busUrl = bus.url(),
    ): Promise<Service> {
      const env = { LOG_LEVEL: 'silent', MERCATO_AUTH: 'off', [`${name.toUpperCase()}_DATABASE_URL`]: db[dbName].url, ...bus.env(busUrl) };
      const service = await createService(definition, env);
      await service.start();
      services.push(service);
      return service;
    }
    const startPublisher = (busUrl?: string, dbName: 'pub' | 'pub2' = 'pub') =>
      start('pub', dbName, { name: 'pub', register: false, migrations: new URL('../fixtures/bus-migrations/', import.meta.url) }, busUrl);

    before(async () => {
      await bus.setup();
      for (const name of ['pub', 'pub2', 'alpha', 'beta', 'gamma'] as const) {
        db[name] = await createTestDatabase(`bus_${name}`);
        databases.push(db[name]);
      }
    });
    after(async () => {
      for (const service of services.reverse()) await service.stop().catch(() => undefined);
      for (const database of databases) await database.drop();
      await bus.teardown();
    });

    let publisher: Service;
    let alpha1: Service;
    let alpha2: Service;
    let beta: Service;

    it('fans out to every consumer service, and two instances of one service handle each event exactly once', async () => {
      alpha1 = await start('alpha', 'alpha');
      alpha2 = await start('alpha', 'alpha');
      beta = await start('beta', 'beta');
      publisher = await startPublisher();
      const things = Array.from({ length: 120 }, (_, i) => ({ subject: `thing-${i % 12}`, data: { n: i } }));
      for (let i = 0; i < things.length; i += 30) await publish(publisher, things.slice(i, i + 30));
      await waitFor('alpha to handle 120', async () => (await count(alpha1)) >= 120, 30_000);
      await waitFor('beta to handle 120', async () => (await count(beta)) >= 120, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 500)); // room for a wrongly doubled delivery to show
      assert.equal(await count(alpha1), 120, 'no event handled twice by the alpha service');
      assert.equal(await count(beta), 120);
      const { rows } = await sql<{ n: string }>`select count(distinct event_id) as n from effects`.execute(dbOf(alpha2));
      assert.equal(Number(rows[0]?.n), 120);
    });

    it('keeps the publish order of each subject, across both instances of a consumer', async () => {
      for (const service of [alpha1, beta]) {
        const { rows } = await sql<{ subject: string; n: number }>`select subject, n from effects order by id`.execute(dbOf(service));
        const last = new Map<string, number>();
        for (const row of rows) {
          assert.ok((last.get(row.subject) ?? -1) < row.n, `${row.subject}: ${row.n} arrived after ${last.get(row.subject)}`);
          last.set(row.subject, row.n);
        }
      }
    });

    it('sends a poison event to the dead letters after the last attempt while other events flow', async () => {
      const before = await count(beta);
      await publish(publisher, [{ subject: 'poison-1', data: { n: 1000, poison: true } }]);
      await publish(
        publisher,
        Array.from({ length: 20 }, (_, i) => ({ subject: `flow-${i}`, data: { n: 2000 + i } })),
      );
      await waitFor('the other events', async () => (await count(beta)) === before + 20, 30_000);
      const dead = await waitFor(
        'the dead letter',
        async () =>
          (
            await sql<{
              attempts: number;
              reason: string;
            }>`select attempts, reason from mercato_dead_letters where consumer = 'beta'`.execute(dbOf(beta))
          ).rows[0],
        60_000,
      );
      assert.equal(dead.attempts, 3);
      assert.match(dead.reason, /failed 3 times; last error: event 1000 is poison/);
      // The subject is free again: a later event on it is handled.
      await publish(publisher, [{ subject: 'poison-1', data: { n: 1001 } }]);
      await waitFor('the event after the poison', async () => (await count(beta, sql`n = 1001`)) === 1, 30_000);
    });

    it('sends an event that fails validation straight to the dead letters, and the consumer carries on', async () => {
      const pubDb = dbOf(publisher);
      const id = '01890000-0000-7000-8000-000000000001';
      const bad = {
        id,
        type: 'test.thing.happened.v1',
        source: 'pub',
        time: new Date().toISOString(),
        subject: 'bad-1',
        traceparent: '',
        data: { n: 'not a number' },
      };
      await sql`insert into mercato_outbox (id, subject, envelope) values (${id}, 'bad-1', ${JSON.stringify(bad)}::jsonb)`.execute(pubDb);
      const dead = await waitFor(
        'the invalid event in the dead letters',
        async () =>
          (
            await sql<{
              attempts: number;
              reason: string;
            }>`select attempts, reason from mercato_dead_letters where event_id = ${id} and consumer = 'alpha'`.execute(dbOf(alpha1))
          ).rows[0],
        30_000,
      );
      assert.equal(dead.attempts, 1);
      assert.match(dead.reason, /invalid test\.thing\.happened\.v1 data at \/n/);
      await publish(publisher, [{ subject: 'bad-1', data: { n: 3000 } }]);
      await waitFor('alpha still handling', async () => (await count(alpha1, sql`n = 3000`)) === 1, 30_000);
    });

    it('replays a dead letter once the handler is repaired', async () => {
      const betaDb = dbOf(beta);
      await sql`insert into handler_switches (name, broken) values ('replay', true)`.execute(betaDb);
      await publish(publisher, [{ subject: 'replay-1', data: { n: 4000, replayable: true } }]);
      const dead = await waitFor(
        'the dead letter',
        async () =>
          (
            await sql<{
              id: string;
            }>`select id from mercato_dead_letters where consumer = 'beta' and type is not null and reason like '%switch%'`.execute(betaDb)
          ).rows[0],
        60_000,
      );
      const listed = await beta.app.inject({ method: 'GET', url: '/internal/dead-letters' });
      assert.ok(listed.json().items.some((item: { id: string }) => item.id === String(dead.id)));
      const stillBroken = await beta.app.inject({ method: 'POST', url: `/internal/dead-letters/${dead.id}/replay` });
      assert.equal(stillBroken.statusCode, 409);
      await sql`update handler_switches set broken = false`.execute(betaDb);
      const replayed = await beta.app.inject({ method: 'POST', url: `/internal/dead-letters/${dead.id}/replay` });
      assert.equal(replayed.statusCode, 200, replayed.body);
      assert.equal(replayed.json().outcome, 'handled');
      assert.equal(await count(beta, sql`n = 4000`), 1);
      const again = await beta.app.inject({ method: 'POST', url: `/internal/dead-letters/${dead.id}/replay` });
      assert.equal(again.statusCode, 404);
    });

    it('keeps events in the outbox while the bus is unreachable and delivers all of them in order after', async () => {
      const target = new URL(bus.url());
      const proxy = await createTcpProxy(target.hostname, Number(target.port));
      // Its own database: the first publisher's relay must not pick these rows up.
      const cutOff = await startPublisher(viaProxy(bus.url(), proxy), 'pub2');
      try {
        proxy.cut();
        const before = await count(beta);
        for (let batch = 0; batch < 5; batch++) {
          await publish(
            cutOff,
            Array.from({ length: 10 }, (_, i) => ({ subject: `outage-${i % 3}`, data: { n: 5000 + batch * 10 + i } })),
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        assert.equal(await count(beta), before, 'nothing arrives while the bus is cut off');
        const { rows } = await sql<{ n: string }>`select count(*) as n from mercato_outbox`.execute(dbOf(cutOff));
        assert.ok(Number(rows[0]?.n) > 0, 'the events wait in the outbox');
        proxy.restore();
        await waitFor('every event after the outage', async () => (await count(beta, sql`n >= 5000 and n < 5050`)) === 50, 60_000);
        const order = await sql<{
          subject: string;
          n: number;
        }>`select subject, n from effects where n >= 5000 and n < 5050 order by id`.execute(dbOf(beta));
        const last = new Map<string, number>();
        for (const row of order.rows) {
          assert.ok((last.get(row.subject) ?? -1) < row.n, `${row.subject} out of order`);
          last.set(row.subject, row.n);
        }
      } finally {
        await cutOff.stop();
        await proxy.close();
      }
    });

    it('redelivers an event whose consumer was killed mid-handler, with one effect', async () => {
      const env = { CONSUMER_NAME: 'gamma', GAMMA_DATABASE_URL: db.gamma.url, ...bus.env(bus.url()), LOG_LEVEL: 'warn' };
      const first = await spawnService(consumerProcess, env);
      await publish(publisher, [{ subject: 'crash-1', data: { n: 6000, slowMs: 2_500 } }]);
      const gammaDb = connectDatabase(db.gamma.url);
      try {
        await waitFor(
          'the handler to be running',
          async () =>
            (
              await sql<{
                n: string;
              }>`select count(*) as n from pg_stat_activity where datname = current_database() and query like '%pg_sleep%' and pid <> pg_backend_pid()`.execute(
                gammaDb.db,
              )
            ).rows[0]?.n !== '0',
          30_000,
        );
        first.child.kill('SIGKILL');
        await first.exited;
        const second = await spawnService(consumerProcess, env);
        try {
          await waitFor(
            'the redelivered event',
            async () =>
              Number((await sql<{ n: string }>`select count(*) as n from effects where n = 6000`.execute(gammaDb.db)).rows[0]?.n) === 1,
            60_000,
          );
          await new Promise((resolve) => setTimeout(resolve, 500));
          const { rows } = await sql<{ n: string }>`select count(*) as n from effects where n = 6000`.execute(gammaDb.db);
          assert.equal(Number(rows[0]?.n), 1);
        } finally {
          second.child.kill('SIGTERM');
          await second.exited;
        }
      } finally {
        // Never leave a child behind: it would keep this test file's process alive.
        if (first.child.exitCode === null && first.child.signalCode === null) first.child.kill('SIGKILL');
        await gammaDb.close();
      }
    });
  });
}
