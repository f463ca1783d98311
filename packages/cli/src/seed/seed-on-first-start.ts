import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childMemoryEnv } from '../child-memory.ts';
import type { SeedMode } from './seed-mode.ts';
import type { SeedResult } from './seed-store.ts';

const ENTRY = fileURLToPath(new URL('./first-start-process.ts', import.meta.url));

/**
 * What `mercato up` does once the services have made their tables: with MERCATO_SEED=demo, the demo
 * store on a first start. The check (and the seed) runs in a short-lived child: the seeding code
 * loads the kit, Kysely and TypeBox, ~30 MiB the supervisor would otherwise keep for as long as the
 * shop runs (ADR 0021). A failure leaves an empty shop running and says how to seed it later.
 */
export async function seedOnFirstStart(
  mode: SeedMode,
  env: NodeJS.ProcessEnv,
  databaseUrls: ReadonlyMap<string, string>,
  say: (line: string) => void,
): Promise<SeedResult | undefined> {
  if (mode === 'none') return undefined;
  const catalogDatabaseUrl = databaseUrls.get('catalog') ?? env.CATALOG_DATABASE_URL;
  const inventoryDatabaseUrl = databaseUrls.get('inventory') ?? env.INVENTORY_DATABASE_URL;
  if (!catalogDatabaseUrl || !inventoryDatabaseUrl) return undefined;
  try {
    const result = await runSeedProcess({
      ...env,
      ...childMemoryEnv(env),
      CATALOG_DATABASE_URL: catalogDatabaseUrl,
      INVENTORY_DATABASE_URL: inventoryDatabaseUrl,
      MERCATO_CURRENCY: env.MERCATO_CURRENCY || 'USD',
    });
    if (result.seeded) {
      say(
        `first start: seeded a demo store of ${result.products} products in ${result.categories} categories, each with stock, ` +
          `in ${result.seconds.toFixed(1)} s (MERCATO_SEED=none starts empty)`,
      );
    }
    return result;
  } catch (error) {
    say(`the demo store was not seeded (${(error as Error).message}); 'npm run mercato -- seed' loads it later`);
    return undefined;
  }
}

function runSeedProcess(env: NodeJS.ProcessEnv): Promise<SeedResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ENTRY], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.once('error', reject);
    child.once('close', (code) => {
      const problem = Buffer.concat(err).toString('utf8').trim();
      if (code !== 0) return reject(new Error(problem.split('\n').at(-1) || `the seed process exited with ${code}`));
      try {
        resolve(JSON.parse(Buffer.concat(out).toString('utf8')) as SeedResult);
      } catch {
        reject(new Error('the seed process gave no result'));
      }
    });
  });
}
