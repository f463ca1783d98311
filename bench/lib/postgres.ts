import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '@mercato/cli';

/**
 * A PostgreSQL server for a benchmark: DATABASE_URL when set, else an embedded one in a temporary folder.
 * Sets MERCATO_TEST_DATABASE_URL so the kit's createTestDatabase() makes databases on it.
 */
export async function benchPostgres(progress: (line: string) => void): Promise<{ url: string; stop(): Promise<void> }> {
  if (process.env.DATABASE_URL) {
    process.env.MERCATO_TEST_DATABASE_URL = process.env.DATABASE_URL;
    return { url: process.env.DATABASE_URL, stop: async () => {} };
  }
  const dir = await mkdtemp(join(tmpdir(), 'mercato-bench-'));
  await chmod(dir, 0o755);
  progress('starting an embedded PostgreSQL');
  const cluster = await startEmbeddedPostgres(dir, progress);
  process.env.MERCATO_TEST_DATABASE_URL = cluster.adminUrl;
  return {
    url: cluster.adminUrl,
    async stop() {
      await cluster.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
