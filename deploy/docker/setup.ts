/**
 * The one-shot steps of `deploy/compose.yaml`, run from the image as `setup <step>`: for a compose
 * project, what `mercato up` (packages/cli/src/up.ts) does before and between its children's starts.
 *
 * - `secrets`: the platform's secrets, made once and kept in the state volume (`MERCATO_DATA_DIR`):
 *   `secrets.json` exactly as `mercato up` keeps it (the data key and one client credential per
 *   process), then one file per process and variable, `env/<process>/<VARIABLE>`, which compose hands
 *   each container as `<VARIABLE>_FILE` (the entrypoint reads it); and PostgreSQL's own superuser password.
 * - `databases`: one database and one login role per service on the server at `DATABASE_URL`, nobody
 *   else allowed to connect (`provisionServiceDatabases`, as `mercato up` does on an external server),
 *   with passwords made once, then `env/<service>/<SERVICE>_DATABASE_URL`. No `bus` database: events
 *   travel on NATS (`NATS_URL`), and `mercato up` makes that database only for pg-boss either.
 * - `seed`: the demo store on a first start (`MERCATO_SEED`, default `demo`), by the same code as
 *   `mercato up`'s: a store that was seeded or ever had a product is left alone.
 *
 * Every step is idempotent: compose runs them again on each `docker compose up`.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  clientSecretHashes,
  ensureSecrets,
  type PlatformSecrets,
  provisionServiceDatabases,
  seedModeOf,
  seedOnFirstStart,
} from '@mercato/cli';
import { CLI_CLIENT, GATEWAY_OPS_CLIENT, type ProcessEntry, type SuppliedSecret, TOPOLOGY } from '@mercato/contracts/topology';
import { databaseUrlVariable } from '@mercato/kit/supervisor';

/** Where the image keeps its state volume (`ENV MERCATO_DATA_DIR` in the Dockerfile). */
export const DEFAULT_DATA_DIR = '/var/lib/mercato';

const PROCESSES: readonly ProcessEntry[] = TOPOLOGY;
const REGISTRY_ROLE = 'registry';

/** The file compose names in `<VARIABLE>_FILE` for one process's variable. */
export function envFile(dataDir: string, processName: string, variable: string): string {
  return join(dataDir, 'env', processName, variable);
}

/** PostgreSQL's superuser password: read by the postgres container's entrypoint (`POSTGRES_PASSWORD_FILE`) and by `databases`. */
export function postgresPasswordFile(dataDir: string): string {
  return join(dataDir, 'postgres', 'password');
}

/** Every client id `mercato up` provisions: each process but the registry calls others, plus the ops and CLI credentials. */
export function platformClientIds(): string[] {
  return [...PROCESSES.filter((p) => p.role !== REGISTRY_ROLE).map((p) => p.name), GATEWAY_OPS_CLIENT, CLI_CLIENT];
}

/**
 * The secret variables of each process, as `mercato up` passes them: its own client credential (all
 * but the registry) and what the topology's `secrets` names. `MERCATO_DATA_KEY` from the environment
 * wins over the generated key, as it does for `mercato up`.
 */
export function secretVariables(secrets: PlatformSecrets, env: NodeJS.ProcessEnv): Map<string, Record<string, string>> {
  const secretOf: Record<SuppliedSecret, () => string> = {
    'data-key': () => env.MERCATO_DATA_KEY || secrets.dataKey,
    'client-secret-hashes': () => clientSecretHashes(secrets.clients),
    'ops-client-secret': () => required(secrets.clients[GATEWAY_OPS_CLIENT], GATEWAY_OPS_CLIENT),
  };
  const byProcess = new Map<string, Record<string, string>>();
  for (const entry of PROCESSES) {
    const variables: Record<string, string> = {};
    if (entry.role !== REGISTRY_ROLE) variables.MERCATO_CLIENT_SECRET = required(secrets.clients[entry.name], entry.name);
    for (const [variable, secret] of Object.entries(entry.secrets)) variables[variable] = secretOf[secret]();
    byProcess.set(entry.name, variables);
  }
  return byProcess;
}

function required(value: string | undefined, clientId: string): string {
  if (!value) throw new Error(`no client secret was made for ${clientId}`);
  return value;
}

/** A file only its owner reads: the containers all run as the image's user (uid 1000). */
async function writePrivate(file: string, content: string): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
  await writeFile(file, content, { mode: 0o600 });
  await chmod(file, 0o600);
}

/** `secrets`: makes what is missing, writes every process's files again (a new service gets its own). */
export async function writeSecretFiles(dataDir: string, env: NodeJS.ProcessEnv, say: (line: string) => void): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  // Others may only pass through (the postgres container's user reads its password below); env/ stays private.
  await chmod(dataDir, 0o711);
  const secrets = await ensureSecrets(dataDir, platformClientIds(), say);
  for (const [processName, variables] of secretVariables(secrets, env)) {
    for (const [variable, value] of Object.entries(variables)) await writePrivate(envFile(dataDir, processName, variable), value);
  }
  const postgres = postgresPasswordFile(dataDir);
  const existing = await readFile(postgres, 'utf8').catch(() => undefined);
  if (!existing) {
    // The official image drops to its own user (uid 999) before it reads POSTGRES_PASSWORD_FILE.
    await mkdir(join(postgres, '..'), { recursive: true, mode: 0o755 });
    await writeFile(postgres, randomBytes(24).toString('base64url'), { mode: 0o444 });
    say(`generated PostgreSQL's superuser password in ${postgres}`);
  }
  say(`secrets ready in ${dataDir} (${secretVariables(secrets, env).size} processes)`);
}

/** `databases`: every service's database and role on `DATABASE_URL`, with the same password on every run. */
export async function provisionDatabases(dataDir: string, env: NodeJS.ProcessEnv, say: (line: string) => void): Promise<void> {
  const adminUrl = env.DATABASE_URL;
  if (!adminUrl) throw new Error('DATABASE_URL is needed: the PostgreSQL server to make the services’ databases on');
  const prefix = env.MERCATO_DB_PREFIX || 'mercato';
  const passwordsFile = join(dataDir, 'database-passwords.json');
  const passwords: Record<string, string> = JSON.parse(await readFile(passwordsFile, 'utf8').catch(() => '{}'));
  const services = PROCESSES.filter((p) => p.database).map((p) => p.name);
  const urls = await provisionServiceDatabases(adminUrl, prefix, services, {
    passwordFor: (name) => {
      const password = passwords[name] ?? randomBytes(18).toString('base64url');
      passwords[name] = password;
      return password;
    },
  });
  await writePrivate(passwordsFile, JSON.stringify(passwords, null, 2));
  for (const [service, url] of urls) await writePrivate(envFile(dataDir, service, databaseUrlVariable(service)), url);
  say(`databases ready: ${services.map((s) => `${prefix}_${s}`.replace(/-/g, '_')).join(', ')}`);
}

/** `seed`: the demo store once, as `mercato up` seeds it; a failure leaves an empty shop running, as there. */
export async function seedFirstStart(env: NodeJS.ProcessEnv, say: (line: string) => void): Promise<void> {
  const mode = seedModeOf(env);
  if (mode === 'none') {
    say('MERCATO_SEED=none: the shop starts empty');
    return;
  }
  const result = await seedOnFirstStart(mode, env, new Map(), say);
  if (!result) say('to load it later: docker compose -f deploy/compose.yaml run --rm seed');
  else if (!result.seeded) say('the store was seeded before or has had products: nothing to do');
}

const STEPS: Record<string, (dataDir: string, env: NodeJS.ProcessEnv, say: (line: string) => void) => Promise<void>> = {
  secrets: writeSecretFiles,
  databases: provisionDatabases,
  seed: (_dataDir, env, say) => seedFirstStart(env, say),
};

if (import.meta.main) {
  const step = STEPS[process.argv[2] ?? ''];
  const say = (line: string) => process.stdout.write(`setup | ${line}\n`);
  if (!step) {
    process.stderr.write(`usage: setup ${Object.keys(STEPS).join('|')}\n`);
    process.exitCode = 64;
  } else {
    await step(process.env.MERCATO_DATA_DIR || DEFAULT_DATA_DIR, process.env, say).catch((error: unknown) => {
      process.stderr.write(`setup ${process.argv[2]}: ${(error as Error).message}\n`);
      process.exitCode = 1;
    });
  }
}
