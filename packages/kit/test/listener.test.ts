import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { Listener } from '../src/index.ts';
import { createTestDatabase, type TestDatabase, waitFor } from '../src/testing/index.ts';

let database: TestDatabase;
before(async () => {
  database = await createTestDatabase('listener');
});
after(() => database.drop());

async function query(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

const notify = (channel: string) => query('select pg_notify($1, $2)', [channel, '']);
const terminate = (applicationName: string) =>
  query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [applicationName]);

describe('Listener', () => {
  it('hears a NOTIFY; after its connection is cut, keepListening() listens again and says so', async () => {
    let heard = 0;
    let listening = 0;
    const listener = new Listener({
      connectionString: database.url,
      channel: 'listener_test',
      applicationName: 'listener-test-keep',
      onNotify: () => heard++,
    });
    try {
      await listener.keepListening(50, { onListening: () => listening++, onFailure: () => undefined });
      assert.equal(listening, 1);
      await notify('listener_test');
      await waitFor('the notification', () => heard === 1);
      await terminate('listener-test-keep');
      await waitFor('listening again', () => listening === 2, 5_000);
      await notify('listener_test');
      await waitFor('the notification after the reconnect', () => heard === 2);
    } finally {
      await listener.close();
    }
  });

  it('connect() gives the connection up when prepare() declines, and opens a new one after a drop', async () => {
    let allowed = false;
    const listener = new Listener({
      connectionString: database.url,
      channel: 'listener_test_prepare',
      applicationName: 'listener-test-prepare',
      onNotify: () => undefined,
      prepare: async () => allowed,
    });
    try {
      assert.equal(await listener.connect(), false);
      allowed = true;
      assert.equal(await listener.connect(), true);
      assert.equal(await listener.connect(), true, 'an open connection is kept');
      const open = async () =>
        Number(
          (await query('select count(*) as n from pg_stat_activity where application_name = $1', ['listener-test-prepare'])).rows[0]?.n,
        );
      assert.equal(await open(), 1);
      await terminate('listener-test-prepare');
      await waitFor('the drop to be noticed', async () => (await open()) === 0);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(await listener.connect(), true);
      assert.equal(await open(), 1);
    } finally {
      await listener.close();
    }
  });
});
