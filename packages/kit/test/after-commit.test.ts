import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { afterCommit, connectDatabase, createService, type Database, type Service, sql, transaction } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

let database: TestDatabase;
let db: Database<unknown>;

before(async () => {
  database = await createTestDatabase('after_commit');
  db = connectDatabase(database.url, { max: 2 });
  // Checked at COMMIT: a duplicate inserted in a transaction makes its COMMIT fail.
  await sql`create table facts (id int, constraint facts_unique unique (id) deferrable initially deferred)`.execute(db.db);
});
after(async () => {
  await db.close();
  await database.drop();
});

describe('afterCommit', () => {
  it('runs an effect once its transaction has committed, not before', async () => {
    const seen: string[] = [];
    await transaction(db.db, async (tx) => {
      await sql`insert into facts values (1)`.execute(tx);
      await afterCommit(tx, () => seen.push('effect'));
      seen.push('end of work');
    });
    assert.deepEqual(seen, ['end of work', 'effect']);
  });

  it('never runs an effect whose transaction rolled back; the retry that commits runs its own once', async () => {
    let count = 0;
    await assert.rejects(
      transaction(db.db, async (tx) => {
        await afterCommit(tx, () => count++);
        throw new Error('the group failed');
      }),
      /the group failed/,
    );
    assert.equal(count, 0);
    await transaction(db.db, (tx) => afterCommit(tx, () => count++));
    assert.equal(count, 1);
  });

  it('never runs an effect whose COMMIT failed', async () => {
    let count = 0;
    await assert.rejects(
      transaction(db.db, async (tx) => {
        await sql`insert into facts values (2), (2)`.execute(tx);
        await afterCommit(tx, () => count++);
      }),
      /facts_unique/,
    );
    assert.equal(count, 0);
    // The connection serves the next transaction with nothing left over from the failed one.
    await transaction(db.db, (tx) => afterCommit(tx, () => count++));
    assert.equal(count, 1);
  });

  it('outside a transaction the statement has committed already: the effect runs at once', async () => {
    let count = 0;
    await afterCommit(db.db, () => count++);
    assert.equal(count, 1);
  });

  it('an effect that throws does not undo or fail the committed transaction', async () => {
    await transaction(db.db, async (tx) => {
      await sql`insert into facts values (3)`.execute(tx);
      await afterCommit(tx, () => {
        throw new Error('a broken metric');
      });
    });
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from facts where id = 3`.execute(db.db);
    assert.equal(rows[0]?.n, 1);
  });
});

describe('pool gauges', () => {
  let service: Service;
  before(async () => {
    service = await createService(
      { name: 'probe', register: false, migrations: new URL('./fixtures/migrations/', import.meta.url) },
      { LOG_LEVEL: 'silent', MERCATO_AUTH: 'off', PROBE_DATABASE_URL: database.url },
    );
  });
  after(() => service.stop());

  const gauge = async (name: string) => {
    const metric = service.context.metrics.registry.getSingleMetric(name) ?? assert.fail(`no ${name}`);
    return (await metric.get()).values[0]?.value;
  };

  it("every service with a database reports its pool's connections in use, idle, and callers waiting", async () => {
    const pool = service.context.database?.pool ?? assert.fail('no database');
    const held = await Promise.all(Array.from({ length: pool.options.max ?? 10 }, () => pool.connect()));
    const waiting = pool.connect();
    assert.equal(await gauge('mercato_db_pool_in_use_connections'), held.length);
    assert.equal(await gauge('mercato_db_pool_idle_connections'), 0);
    assert.equal(await gauge('mercato_db_pool_waiting_requests'), 1);
    for (const client of held) client.release();
    (await waiting).release();
    assert.equal(await gauge('mercato_db_pool_in_use_connections'), 0);
    assert.equal(await gauge('mercato_db_pool_idle_connections'), held.length);
    assert.equal(await gauge('mercato_db_pool_waiting_requests'), 0);
    const text = await service.context.metrics.registry.metrics();
    for (const name of ['mercato_db_pool_in_use_connections', 'mercato_db_pool_idle_connections', 'mercato_db_pool_waiting_requests']) {
      assert.match(text, new RegExp(`^${name}\\{service="probe"`, 'm'));
    }
  });
});
