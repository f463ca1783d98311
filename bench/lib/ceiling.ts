import { fileURLToPath } from 'node:url';
import { freePort } from '@mercato/cli';
import { type SpawnedProcess, spawnProcess } from './spawn-process.ts';

const entry = fileURLToPath(new URL('./ceiling-server.ts', import.meta.url));

/** A bare Fastify JSON route in its own process: what one Node process on this machine can answer at most. */
export async function startCeiling(): Promise<SpawnedProcess & { url: string }> {
  const port = await freePort();
  const process = await spawnProcess(entry, { CEILING_PORT: String(port) });
  return { ...process, url: `http://127.0.0.1:${port}` };
}
