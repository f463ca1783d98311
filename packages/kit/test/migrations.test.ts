import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectDatabase, migrate, sql, transaction } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

const folder = new URL('./fixtures/migrations/', import.meta.url);
let database: TestDatabase;
before(async () => {
  database = await createTestDatabase('migrations');
});
after(() => database.drop());

describe('migrations', () => {
  it('two instances starting at once apply each migration exactly once', async () => {
    const first = connectDatabase(database.url);
    const second = connectDatabase(database.url);
    try {
      const [a, b] = await Promise.all([migrate(first.db, folder), migrate(second.db, folder)]);
      // One instance applied both; the other waited on the advisory lock and found nothing to do.
      assert.deepEqual([...a, ...b].sort(), ['0001_create_counters', '0002_add_note']);
      const runs = await sql<{ count: string }>`select count(*) from counters`.execute(first.db);
      assert.equal(Number(runs.rows[0]?.count), 1);
      assert.deepEqual(await migrate(first.db, folder), [], 'a later start applies nothing');
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('a transaction rolls back every write when its work throws', async () => {
    const { db } = connectDatabase(database.url);
    try {
      await assert.rejects(
        transaction(db, async (tx) => {
          await sql`update counters set value = value + 100`.execute(tx);
          throw new Error('abort');
        }),
        /abort/,
      );
      const row = await sql<{ value: number }>`select value from counters where name = 'migration_runs'`.execute(db);
      assert.equal(row.rows[0]?.value, 1);
    } finally {
      await db.destroy();
    }
  });
});
