/**
 * Run once while the image is built (deploy/docker/Dockerfile), with NODE_COMPILE_CACHE set: loads
 * every module a container of the image runs, so Node's compile cache holds each one stripped and
 * compiled. A process that finds all its modules there never loads the TypeScript stripper (8–10 MiB
 * per process, ADR 0021) and starts sooner. It runs as the image's user: Node keeps one cache folder
 * per uid, and a process run by another uid simply compiles as usual.
 *
 * It is also the image's smoke test, since nothing else runs the image while it is built: a module
 * that does not resolve with the production dependencies alone (a dependency declared in the wrong
 * place, a file the .dockerignore left out) fails the build here, with the process's own error.
 *
 * Each process's `main.ts` runs up to its configuration check, which refuses the LOG_LEVEL given
 * here: by then it has imported everything it imports statically, and it has started nothing. The
 * modules a process loads later, once it knows its adapters (the bus, Redis), are imported here.
 */
import { spawnSync } from 'node:child_process';
import { flushCompileCache } from 'node:module';
import { type ProcessEntry, TOPOLOGY } from '@mercato/contracts/topology';

const REFUSED_LOG_LEVEL = 'compile-cache';

interface Run {
  what: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** What the run must print on stderr: proof that it got as far as expected, not that it failed early. */
  expect: RegExp;
}

const processes: readonly ProcessEntry[] = TOPOLOGY;
const runs: Run[] = [
  ...processes.map((entry) => ({
    what: entry.name,
    args: [`services/${entry.name}/src/main.ts`],
    env: { LOG_LEVEL: REFUSED_LOG_LEVEL },
    expect: new RegExp(`^${entry.name}: configuration error: LOG_LEVEL `, 'm'),
  })),
  // Compose's one-shot steps, the mercato command and the demo store's seeding process, without what they would act on.
  { what: 'setup', args: ['deploy/docker/setup.ts'], expect: /^usage: setup / },
  { what: 'the mercato command', args: ['packages/cli/src/bin.ts'], expect: /^$/ },
  {
    what: 'the first-start seed',
    args: ['packages/cli/src/seed/first-start-process.ts'],
    env: { CATALOG_DATABASE_URL: '', INVENTORY_DATABASE_URL: '' },
    expect: /CATALOG_DATABASE_URL and INVENTORY_DATABASE_URL are needed/,
  },
  // The health check, with nothing listening on the port.
  { what: 'the health check', args: ['deploy/docker/healthcheck.ts'], env: { PORT: '1' }, expect: /^$/ },
];

for (const run of runs) {
  const result = spawnSync(process.execPath, run.args, { env: { ...process.env, ...run.env }, encoding: 'utf8', timeout: 60_000 });
  if (!run.expect.test(result.stderr)) {
    process.stderr.write(`loading ${run.what} (${run.args.join(' ')}) did not end as expected:\n${result.stderr}${result.error ?? ''}\n`);
    process.exit(1);
  }
}

// Loaded only once a process has chosen its adapters: the bus (NATS or pg-boss) and the gateway's Redis store.
await import('../../packages/kit/src/bus/nats-bus.ts');
await import('../../packages/kit/src/bus/pgboss-bus.ts');
await import('ioredis');
await import('../../packages/cli/src/seed/seed-command.ts');
flushCompileCache();
process.stdout.write(`compile cache warmed: ${runs.length} entry points and the adapters they load later\n`);
