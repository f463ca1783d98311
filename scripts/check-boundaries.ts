/**
 * `npm run lint` part two: the import rules Biome cannot express (CONVENTIONS.md, "Boundaries").
 * - a service never imports another service (only `packages/contracts` is shared language);
 * - `domain/` does no I/O: no Fastify, Kysely, pg, the bus, undici or node:http;
 * - nothing outside a test folder imports from a `test/` folder.
 * Test code may import other services' public entry points to run them as real processes.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const IO_MODULES = /^(fastify|@fastify\/|kysely|pg$|pg-boss|@nats-io\/|undici|ioredis|node:http|node:https|node:net|http$|https$)/;
const IMPORT = /(?:^|\n)\s*(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

async function* sourceFiles(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|mts|js|mjs)$/.test(entry.name)) yield path;
  }
}

const problems: string[] = [];
for (const top of ['services', 'packages']) {
  for await (const file of sourceFiles(join(root, top))) {
    const rel = relative(root, file);
    const [, owner] = rel.split('/');
    const inTest = rel.split('/').includes('test');
    const inDomain = rel.split('/').includes('domain');
    const text = await readFile(file, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const spec = match[1] ?? match[2] ?? '';
      const target = spec.startsWith('.') ? relative(root, resolve(file, '..', spec)) : '';
      if (!inTest && (target.split('/').includes('test') || /\/test\//.test(spec))) problems.push(`${rel}: imports test code (${spec})`);
      if (top === 'services' && !inTest) {
        const otherService = spec.startsWith('@mercato/')
          ? spec.split('/')[1]
          : target.startsWith('services/')
            ? target.split('/')[1]
            : undefined;
        const isService = otherService && !['kit', 'contracts', 'cli', 'web'].includes(otherService);
        if (isService && otherService !== owner) problems.push(`${rel}: a service imports another service (${spec})`);
      }
      if (inDomain && !inTest && IO_MODULES.test(spec)) problems.push(`${rel}: domain code imports ${spec}; keep I/O out of domain/`);
    }
  }
}

if (problems.length > 0) {
  process.stderr.write(`Boundary rules broken:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write('boundaries: ok\n');
