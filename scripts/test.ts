/**
 * `npm test`: runs every package's tests with Node's test runner against a real PostgreSQL.
 * With DATABASE_URL set, tests create their databases there; otherwise an embedded PostgreSQL is
 * started for the run in a temporary folder and removed afterwards.
 */
import { spawn } from 'node:child_process';
import { chmod, glob, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EmbeddedCluster, startEmbeddedPostgres } from '../packages/cli/src/postgres/embedded.ts';

const globs = process.argv.slice(2);
if (globs.length === 0) {
  process.stderr.write('usage: node scripts/test.ts "<glob>" ...\n');
  process.exit(2);
}

// Files named `*.platform.test.ts` start the whole platform (about ten processes, each with its
// connection pools): two at once can exhaust PostgreSQL's connections, so they run one at a time,
// after the others.
const files: string[] = [];
for (const pattern of globs) for await (const file of glob(pattern)) files.push(file);
// Browser suites (`*.web.ts`) start the whole platform too.
const startsPlatform = (file: string) => file.endsWith('.platform.test.ts') || file.endsWith('.web.ts');
const platformFiles = files.filter(startsPlatform).sort();
const otherFiles = files.filter((file) => !startsPlatform(file)).sort();
if (files.length === 0) {
  process.stderr.write(`no test files match ${globs.join(' ')}\n`);
  process.exit(1);
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

let current: ReturnType<typeof spawn> | undefined;
process.on('SIGINT', () => current?.kill('SIGINT'));
process.on('SIGTERM', () => current?.kill('SIGTERM'));
function run(testFiles: string[], concurrency: number): Promise<number> {
  if (testFiles.length === 0) return Promise.resolve(0);
  const runner = spawn(process.execPath, ['--test', `--test-concurrency=${concurrency}`, '--test-timeout=180000', ...testFiles], {
    stdio: 'inherit',
    env,
  });
  current = runner;
  return new Promise<number>((resolve) => runner.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
}
const otherCode = await run(otherFiles, 2);
if (platformFiles.length > 0) process.stdout.write(`\nwhole-platform tests, one file at a time: ${platformFiles.join(', ')}\n`);
const platformCode = await run(platformFiles, 1);
const code = otherCode || platformCode;
await cluster?.stop();
if (dataDir) await rm(dataDir, { recursive: true, force: true });
process.exit(code);
