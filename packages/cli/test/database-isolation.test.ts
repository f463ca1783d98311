import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testServerUrl } from '@mercato/kit/testing';
import pg from 'pg';
import { dropServiceDatabases, provisionServiceDatabases } from '../src/index.ts';

const prefix = `t_iso_${process.pid}`;
const services = ['catalog', 'orders'];
let urls: Map<string, string>;

before(async () => {
  urls = await provisionServiceDatabases(testServerUrl(), prefix, services);
});
after(() => dropServiceDatabases(testServerUrl(), prefix, services));

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

describe('one database and one role per service', () => {
  it('a service role connects to its own database and can create tables there', async () => {
    const client = await connect(urls.get('catalog') ?? '');
    try {
      await client.query('create table products (id int primary key)');
      const { rows } = await client.query('select current_user, current_database()');
      assert.deepEqual(rows[0], { current_user: `${prefix}_catalog`, current_database: `${prefix}_catalog` });
    } finally {
      await client.end();
    }
  });

  it("a service role cannot connect to another service's database", async () => {
    const ordersUrl = new URL(urls.get('orders') ?? '');
    const catalogUrl = new URL(urls.get('catalog') ?? '');
    ordersUrl.username = catalogUrl.username;
    ordersUrl.password = catalogUrl.password;
    await assert.rejects(connect(ordersUrl.toString()), /permission denied for database/);
  });

  it('provisioning again is harmless and renews the password', async () => {
    const again = await provisionServiceDatabases(testServerUrl(), prefix, services);
    assert.notEqual(again.get('catalog'), urls.get('catalog'));
    const client = await connect(again.get('catalog') ?? '');
    const { rows } = await client.query('select count(*)::int as n from products');
    assert.equal(rows[0].n, 0, 'the data survived');
    await client.end();
  });
});
