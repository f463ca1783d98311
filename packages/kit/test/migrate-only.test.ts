import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connectDatabase, migrate, sql } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { runToExit } from './fixtures/spawn-service.ts';

// What deploy/k8s's init container runs: the service's own entry with MERCATO_MIGRATE_ONLY=1.
const entry = fileURLToPath(new URL('./fixtures/migrating-service.ts', import.meta.url));
const serviceMigrations = new URL('./fixtures/migrations/', import.meta.url);
const kitMigrations = new URL('../src/bus/migrations/', import.meta.url);

const databases: TestDatabase[] = [];
async function freshDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase('migrate_only');
  databases.push(database);
  return database;
}
after(() => Promise.all(databases.map((database) => database.drop())));

function migrateOnly(url: string, value = '1') {
  return runToExit(entry, { MERCATO_MIGRATE_ONLY: value, MIGRATING_DATABASE_URL: url, LOG_LEVEL: 'info', MERCATO_AUTH: 'off' });
}

describe('MERCATO_MIGRATE_ONLY', () => {
  let database: TestDatabase;
  before(async () => {
    database = await freshDatabase();
  });

  it('applies the kit tables and the service migrations, then exits 0 without ever listening', async () => {
    const run = await migrateOnly(database.url);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.doesNotMatch(run.stdout, /listening/);
    assert.match(run.stdout, /applied migrations; exiting/);
    const { db } = connectDatabase(database.url);
    try {
      const own = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
      assert.deepEqual(
        own.rows.map((r) => r.name),
        ['0001_create_counters', '0002_add_note'],
      );
      const kit = await sql<{ count: string }>`select count(*) from mercato_kit_migration`.execute(db);
      assert.ok(Number(kit.rows[0]?.count) > 0, 'the outbox, inbox and dead-letter tables are migrated too');
      // What the service's start() then migrates: nothing left.
      assert.deepEqual(await migrate(db, kitMigrations, { table: 'mercato_kit_migration' }), []);
      assert.deepEqual(await migrate(db, serviceMigrations), []);
    } finally {
      await db.destroy();
    }
  });

  it('a second run (the next pod of the rollout) finds the schema up to date and exits 0', async () => {
    const run = await migrateOnly(database.url);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /schema up to date; exiting/);
  });

  it('two pods migrating at once apply each migration exactly once', async () => {
    const fresh = await freshDatabase();
    const runs = await Promise.all([migrateOnly(fresh.url), migrateOnly(fresh.url)]);
    for (const run of runs) assert.equal(run.code, 0, run.stderr + run.stdout);
    const { db } = connectDatabase(fresh.url);
    try {
      // 0001 inserts one row per run of it: one row means one run.
      const rows = await sql<{ count: string }>`select count(*) from counters`.execute(db);
      assert.equal(Number(rows.rows[0]?.count), 1);
    } finally {
      await db.destroy();
    }
  });

  it('a value that is not a boolean is refused with one line naming the variable', async () => {
    const run = await migrateOnly(database.url, 'yes');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^migrating: configuration error: MERCATO_MIGRATE_ONLY /);
  });

  it('an unreachable database exits 1 with one line naming the URL variable to check', async () => {
    const run = await migrateOnly('postgres://nobody@127.0.0.1:1/nothing');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^migrating: migrations failed \(.*\); check MIGRATING_DATABASE_URL\n$/);
  });
});
