import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL server tests create their databases on; `npm test` sets it (see scripts/test.ts). */
export function testServerUrl(): string {
  const url = process.env.MERCATO_TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!url) throw new Error('No test PostgreSQL: run the tests with `npm test`, which starts one, or set DATABASE_URL.');
  return url;
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database for one test file; `drop()` removes it (forcefully closing leftover connections). */
export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const server = testServerUrl();
  const name = `t_${label.replace(/[^a-z0-9]/g, '_')}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`create database ${admin.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: server });
      await client.connect();
      try {
        await client.query(`drop database if exists ${client.escapeIdentifier(name)} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
