import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkSource, type Workspace } from '../../../scripts/check-boundaries.ts';

/** `npm run lint`'s import rules (scripts/check-boundaries.ts), on sources written for each rule. */
const workspace: Workspace = {
  packages: new Map([
    ['@mercato/catalog', { dir: 'services/catalog', exports: new Set(['.', './seeding']) }],
    ['@mercato/cart', { dir: 'services/cart', exports: new Set(['.']) }],
    ['@mercato/kit', { dir: 'packages/kit', exports: new Set(['.', './testing']) }],
    ['@mercato/contracts', { dir: 'packages/contracts', exports: new Set(['.']) }],
    ['@mercato/cli', { dir: 'packages/cli', exports: new Set(['.']) }],
  ]),
};

const broken = (file: string, text: string) => checkSource(file, text, workspace).map((v) => `${v.rule} ${v.file}:${v.line}`);

describe('the boundary check', () => {
  it('reports a service importing another service, by name or by path, with the file and line', () => {
    const text =
      "import { sql } from '@mercato/kit';\nimport { catalogDefinition } from '@mercato/catalog';\nimport { CatalogStore } from '../../catalog/src/store.ts';\n";
    assert.deepEqual(broken('services/cart/src/catalog-client.ts', text), [
      'service-imports-service services/cart/src/catalog-client.ts:2',
      'service-imports-service services/cart/src/catalog-client.ts:3',
    ]);
  });

  it('lets a service import its own files, the kit and the contracts, and its tests run other services', () => {
    const text =
      "import { sql } from '@mercato/kit';\nimport { CartView } from '@mercato/contracts';\nimport { CartStore } from './store.ts';\n";
    assert.deepEqual(broken('services/cart/src/app.ts', text), []);
    assert.deepEqual(broken('services/cart/test/harness.ts', "import { catalogDefinition } from '@mercato/catalog';\n"), []);
  });

  it('keeps the kit and the contracts free of services, and the contracts free of the kit', () => {
    assert.deepEqual(broken('packages/kit/src/service.ts', "import { catalogDefinition } from '@mercato/catalog';\n"), [
      'package-imports-service packages/kit/src/service.ts:1',
    ]);
    assert.deepEqual(
      broken('packages/contracts/src/catalog.ts', "import { Type } from 'typebox';\nimport type { Outbox } from '@mercato/kit';\n"),
      ['contracts-imports-package packages/contracts/src/catalog.ts:2'],
    );
  });

  it('lets the CLI reach a service only through an entry its package exports', () => {
    assert.deepEqual(broken('packages/cli/src/seed/seed-store.ts', "import { withCatalogSeeding } from '@mercato/catalog/seeding';\n"), []);
    const text = [
      "import { CatalogStore } from '@mercato/catalog/src/store.ts';",
      "import { CartStore } from '../../../../services/cart/src/store.ts';",
      "const migrations = fileURLToPath(new URL('../../../../services/catalog/src/migrations/', import.meta.url));",
    ].join('\n');
    assert.deepEqual(broken('packages/cli/src/seed/seed-store.ts', text), [
      'cli-imports-service-internals packages/cli/src/seed/seed-store.ts:1',
      'cli-imports-service-internals packages/cli/src/seed/seed-store.ts:2',
      'package-names-service-path packages/cli/src/seed/seed-store.ts:3',
    ]);
  });

  it('keeps domain/ pure: no I/O module, no kit, nothing from outside domain/', () => {
    const text = [
      "import { createHash } from 'node:crypto';",
      "import type { CartView } from '@mercato/contracts';",
      "import { Type } from 'typebox';",
      "import { lineTotal } from './pricing.ts';",
      "import { readFile } from 'node:fs/promises';",
      "import type { Kysely } from 'kysely';",
      "import { HttpProblem } from '@mercato/kit';",
      "import type { CartStore } from '../store.ts';",
      "import fastifyCors from '@fastify/cors';",
    ].join('\n');
    assert.deepEqual(
      broken('services/cart/src/domain/cart.ts', text),
      [5, 6, 7, 8, 9].map((line) => `domain-does-io services/cart/src/domain/cart.ts:${line}`),
    );
  });

  it('keeps test code out of everything but tests', () => {
    assert.deepEqual(broken('services/cart/src/app.ts', "import { seedCart } from '../test/harness.ts';\n"), [
      'imports-test-code services/cart/src/app.ts:1',
    ]);
    assert.deepEqual(broken('services/cart/test/cart.test.ts', "import { seedCart } from './harness.ts';\n"), []);
  });
});
