/**
 * `npm test`: runs every package's tests with Node's test runner against a real PostgreSQL.
 * With DATABASE_URL set, tests create their databases there; otherwise an embedded PostgreSQL is
 * started for the run in a temporary folder and removed afterwards.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EmbeddedCluster, startEmbeddedPostgres } from '../packages/cli/src/postgres/embedded.ts';

const globs = process.argv.slice(2);
if (globs.length === 0) {
  process.stderr.write('usage: node scripts/test.ts "<glob>" ...\n');
  process.exit(2);
}

let cluster: EmbeddedCluster | undefined;
let dataDir: string | undefined;
const env = { ...process.env };
if (env.DATABASE_URL) {
  env.MERCATO_TEST_DATABASE_URL = env.DATABASE_URL;
  process.stdout.write(`tests use the PostgreSQL at DATABASE_URL\n`);
} else {
  dataDir = await mkdtemp(join(tmpdir(), 'mercato-test-'));
  // mkdtemp makes the folder 0700; the embedded PostgreSQL runs as another user when we are root.
  await chmod(dataDir, 0o755);
  cluster = await startEmbeddedPostgres(dataDir, (line) => process.stdout.write(`test postgres: ${line}\n`));
  env.MERCATO_TEST_DATABASE_URL = cluster.adminUrl;
  process.stdout.write(`tests use an embedded PostgreSQL on port ${cluster.port}\n`);
}

const runner = spawn(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=180000', ...globs], { stdio: 'inherit', env });
const forward = (signal: NodeJS.Signals) => runner.kill(signal);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
const code = await new Promise<number>((resolve) => runner.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
await cluster?.stop();
if (dataDir) await rm(dataDir, { recursive: true, force: true });
process.exit(code);
