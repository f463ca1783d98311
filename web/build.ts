/**
 * The web app's build, as the platform uses it: `mercato up` calls `ensureWebBuilt()` so a fresh
 * clone's `npm install && npm start` serves the app with no third command, and an edited source
 * is rebuilt on the next start; the gateway serves `webDistDir`. `npm run build -w @mercato/web`
 * builds unconditionally (`--force`).
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

const WEB_ROOT = fileURLToPath(new URL('.', import.meta.url));
/** Where the built app lives: `index.html` and hashed files under `assets/`. */
export const webDistDir = join(WEB_ROOT, 'dist');
/** Written last by a build: a build that stopped half way is never taken for a finished one. */
const STAMP = '.build-stamp';
const INPUTS = ['index.html', 'src', 'vite.config.ts', 'package.json', 'build.ts'];

async function newestInput(path: string): Promise<number> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of await readdir(path)) newest = Math.max(newest, await newestInput(join(path, entry)));
  return newest;
}

/** Why the app under `root` needs a build, or undefined when its `dist/` is complete and newer than every source file. */
export async function staleReason(root = WEB_ROOT): Promise<string | undefined> {
  const stamp = await readFile(join(root, 'dist', STAMP), 'utf8').catch(() => undefined);
  if (stamp === undefined) return 'not built yet';
  let newest = 0;
  for (const input of INPUTS) newest = Math.max(newest, await newestInput(join(root, input)));
  return newest > Number(stamp) ? 'sources changed since the last build' : undefined;
}

const TEXT_ASSET = /\.(js|css|svg|html|json)$/;

/**
 * Brotli and gzip copies of every text asset, made once at build time at the highest levels (the
 * gateway sends them as they are, with @fastify/static's `preCompressed`): compressing per request
 * would cost the gateway CPU on every first visit.
 */
async function precompress(assets: string): Promise<void> {
  const brotli = promisify(brotliCompress);
  const gz = promisify(gzip);
  for (const name of await readdir(assets)) {
    if (!TEXT_ASSET.test(name)) continue;
    const content = await readFile(join(assets, name));
    await writeFile(join(assets, `${name}.br`), await brotli(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
    await writeFile(join(assets, `${name}.gz`), await gz(content, { level: 9 }));
  }
}

/** Builds the app with Vite (imported only when a build is needed, so a built image never loads it). */
export async function buildWeb(root = WEB_ROOT): Promise<void> {
  const startedAt = Date.now();
  const { build } = await import('vite');
  await build({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
  await precompress(join(root, 'dist', 'assets'));
  await writeFile(join(root, 'dist', STAMP), String(startedAt));
}

/** Builds when missing or stale and says why through `say`. Resolves with whether it built. */
export async function ensureWebBuilt(say: (line: string) => void = () => {}, root = WEB_ROOT): Promise<boolean> {
  const reason = await staleReason(root);
  if (!reason) return false;
  say(`building the web app (${reason})…`);
  const startedAt = performance.now();
  await buildWeb(root);
  say(`web app built in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--force')) await buildWeb();
  else await ensureWebBuilt((line) => process.stdout.write(`${line}\n`));
}
