/**
 * `npm run lint` part two: the import rules Biome cannot express (CONVENTIONS.md, "Boundaries that can be
 * checked"; ADR 18). Each rule has a name, and each break is reported with its file and line:
 * - `service-imports-service`: a service never imports another service (only `packages/contracts` is
 *   shared language);
 * - `package-imports-service`: kit, contracts and demo-data import no service;
 * - `contracts-imports-package`: contracts imports no other Mercato package (not the kit either);
 * - `cli-imports-service-internals`: the CLI reaches a service only through an entry its package.json
 *   exports (`@mercato/catalog/seeding`), never by a relative path into `services/`;
 * - `package-names-service-path`: no package names a file under `services/` by a relative path (running a
 *   service's migrations by path is writing its tables);
 * - `domain-does-io`: `domain/` imports no I/O (Fastify, Kysely, pg, pg-boss, NATS, Redis, undici, node's
 *   network, file and process modules), not the kit at all, and no file outside `domain/`;
 * - `imports-test-code`: nothing outside a test folder imports from a `test/` folder.
 * Test code may import services' package entries to run them as real processes.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, posix, relative, resolve, sep } from 'node:path';

export interface Violation {
  rule: string;
  /** Relative to the repository, with `/`. */
  file: string;
  line: number;
  message: string;
}

/** The workspace packages by npm name: where each lives and which entries its package.json exports. */
export interface Workspace {
  packages: Map<string, { dir: string; exports: Set<string> }>;
}

const IO_MODULES =
  /^(?:@fastify\/|@nats-io\/|(?:fastify|kysely|pg|pg-boss|ioredis|undici|(?:node:)?(?:http|https|http2|net|tls|dgram|dns|fs|child_process|worker_threads|cluster))(?:$|\/))/;
const IMPORTS = [
  /(?:^|\n)[ \t]*(?:import|export)\b[^'";]*?\bfrom\s*(['"])([^'"]+)\1/g,
  /(?:^|\n)[ \t]*import\s*(['"])([^'"]+)\1/g,
  /\bimport\(\s*(['"])([^'"]+)\1\s*\)/g,
];
/** A string that climbs out of its folder and into `services/`: `new URL('../../../../services/x/src/migrations/', …)`. */
const RELATIVE_PATH = /(['"`])((?:\.\.\/)+services\/[^'"`\n]*)\1/g;

const lineOf = (text: string, index: number) => text.slice(0, index).split('\n').length;

/** Which workspace a repository path belongs to: `services/catalog`, `packages/kit`, `web`. */
function ownerOf(path: string): string | undefined {
  const [top, name] = path.split('/');
  if (top === 'web') return 'web';
  return (top === 'services' || top === 'packages') && name ? `${top}/${name}` : undefined;
}

/** The rules a file breaks; `file` is its path relative to the repository root, with `/`. */
export function checkSource(file: string, text: string, workspace: Workspace): Violation[] {
  const parts = file.split('/');
  const owner = ownerOf(file);
  const inTest = parts.includes('test');
  const domainAt = parts.indexOf('domain');
  const found: Violation[] = [];
  const add = (rule: string, index: number, message: string) => found.push({ rule, file, line: lineOf(text, index), message });

  for (const pattern of IMPORTS) {
    for (const match of text.matchAll(pattern)) {
      const spec = match[2] ?? '';
      const index = (match.index ?? 0) + match[0].lastIndexOf(spec);
      const bareName = spec.startsWith('@mercato/') ? spec.split('/').slice(0, 2).join('/') : undefined;
      const bare = bareName ? workspace.packages.get(bareName) : undefined;
      const target = spec.startsWith('.') ? posix.join(posix.dirname(file), spec) : bare?.dir;
      const targetOwner = target ? ownerOf(target) : undefined;
      const intoService = targetOwner?.startsWith('services/') ? targetOwner.slice('services/'.length) : undefined;

      if (!inTest && (target?.split('/').includes('test') || /(?:^|\/)test\//.test(spec))) {
        add('imports-test-code', index, `imports test code (${spec}); share it from src/ or keep it in the tests`);
      }
      if (inTest) continue;
      if (owner?.startsWith('services/') && intoService && targetOwner !== owner) {
        add('service-imports-service', index, `imports the ${intoService} service (${spec}); services share only @mercato/contracts`);
      }
      if (owner === 'packages/cli' && intoService) {
        const entry = bare ? `.${spec.slice(bareName?.length)}` : undefined;
        if (!entry || !bare?.exports.has(entry)) {
          add(
            'cli-imports-service-internals',
            index,
            `reaches into the ${intoService} service (${spec}); import an entry its package.json exports`,
          );
        }
      } else if (owner?.startsWith('packages/') && intoService) {
        add('package-imports-service', index, `imports the ${intoService} service (${spec}); shared packages know no service`);
      }
      if (owner === 'packages/contracts' && targetOwner && targetOwner !== owner) {
        add('contracts-imports-package', index, `imports ${spec}; contracts depend on no other Mercato package`);
      }
      if (domainAt >= 0) {
        const domainDir = parts.slice(0, domainAt + 1).join('/');
        if (IO_MODULES.test(spec)) add('domain-does-io', index, `imports ${spec}; domain/ does no I/O`);
        else if (bareName === '@mercato/kit') add('domain-does-io', index, `imports ${spec}; domain/ is pure, the kit is I/O`);
        else if (spec.startsWith('.') && !target?.startsWith(`${domainDir}/`)) {
          add('domain-does-io', index, `imports ${spec} from outside domain/; the domain is called, it does not call out`);
        }
      }
    }
  }
  if (owner?.startsWith('packages/') && !inTest) {
    for (const match of text.matchAll(RELATIVE_PATH)) {
      const path = match[2] ?? '';
      const target = posix.join(posix.dirname(file), path);
      const index = match.index ?? 0;
      // An import of such a path is reported once, by the import rules.
      if (target.startsWith('services/') && !found.some((v) => v.line === lineOf(text, index))) {
        add('package-names-service-path', index, `names ${path}; call the service's code through its package entry instead`);
      }
    }
  }
  return found;
}

async function* sourceFiles(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|mts|js|mjs)$/.test(entry.name)) yield path;
  }
}

export async function readWorkspace(root: string): Promise<Workspace> {
  const packages: Workspace['packages'] = new Map();
  const dirs = ['web'];
  for (const top of ['services', 'packages']) {
    for (const entry of await readdir(join(root, top), { withFileTypes: true })) if (entry.isDirectory()) dirs.push(`${top}/${entry.name}`);
  }
  for (const dir of dirs) {
    const manifest = await readFile(join(root, dir, 'package.json'), 'utf8').catch(() => undefined);
    if (!manifest) continue;
    const { name, exports } = JSON.parse(manifest) as { name: string; exports?: string | Record<string, string> };
    packages.set(name, { dir, exports: new Set(typeof exports === 'object' ? Object.keys(exports) : ['.']) });
  }
  return { packages };
}

export async function checkTree(root: string): Promise<Violation[]> {
  const workspace = await readWorkspace(root);
  const found: Violation[] = [];
  for (const top of ['services', 'packages']) {
    for await (const path of sourceFiles(join(root, top))) {
      found.push(...checkSource(relative(root, path).split(sep).join('/'), await readFile(path, 'utf8'), workspace));
    }
  }
  return found;
}

if (import.meta.main) {
  const problems = await checkTree(resolve(import.meta.dirname, '..'));
  if (problems.length > 0) {
    const lines = problems.map((p) => `  ${p.file}:${p.line} [${p.rule}] ${p.message}`);
    process.stderr.write(`Boundary rules broken (scripts/check-boundaries.ts says what each rule is):\n${lines.join('\n')}\n`);
    process.exit(1);
  }
  process.stdout.write('boundaries: ok\n');
}
