import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { TOPOLOGY } from '@mercato/contracts';
import { ALL_PROCESSES, BUSINESS_SERVICES, GATEWAY, REGISTRY } from '../src/topology.ts';

const servicesDir = new URL('../../../services/', import.meta.url);

describe("mercato up's processes come from the topology", () => {
  it('starts each one from services/<name>/src/main.ts, and every folder under services/ is one of them', async () => {
    for (const spec of ALL_PROCESSES) assert.ok(existsSync(spec.entry), `${spec.name}: no ${spec.entry}`);
    const folders = (await readdir(servicesDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    assert.deepEqual(folders.sort(), ALL_PROCESSES.map((s) => s.name).sort());
  });

  it('starts the registry, then the business services, then the gateway on GATEWAY_PORT (8080)', () => {
    assert.deepEqual(
      ALL_PROCESSES.map((s) => s.name),
      TOPOLOGY.map((e) => e.name),
    );
    assert.equal(REGISTRY.name, 'registry');
    assert.equal(GATEWAY.name, 'gateway');
    assert.deepEqual(GATEWAY.port, { variable: 'GATEWAY_PORT', default: 8080 });
  });

  it('provisions a database for every business service and none for the registry or the gateway', () => {
    assert.deepEqual(
      ALL_PROCESSES.filter((s) => s.database).map((s) => s.name),
      BUSINESS_SERVICES.map((s) => s.name),
    );
  });

  it("matches each service's own definition: its name, its database (migrations) and its port variable", async () => {
    for (const entry of TOPOLOGY) {
      const module: Record<string, unknown> = await import(`@mercato/${entry.name}`);
      const factory = Object.entries(module).find(([key]) => key.endsWith('Definition'))?.[1];
      assert.equal(typeof factory, 'function', `@mercato/${entry.name} exports no …Definition()`);
      const definition = (factory as () => { name: string; migrations?: URL; port?: { variable: string; default: number } })();
      assert.equal(definition.name, entry.name);
      assert.equal(definition.migrations !== undefined, entry.database, `${entry.name}: migrations vs the topology's database`);
      assert.deepEqual(definition.port, 'port' in entry ? entry.port : undefined, `${entry.name}: port`);
    }
  });
});
