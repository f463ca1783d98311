import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ensureWebBuilt, staleReason } from '../build.ts';

// What a fresh clone's first `npm start` relies on: the app is built when missing, rebuilt when a source changed, and not otherwise.

const WEB = fileURLToPath(new URL('..', import.meta.url));
let root: string;

before(async () => {
  // Inside web/, so the copy resolves preact and vite from the workspace's node_modules like the real one.
  root = await mkdtemp(join(WEB, '.build-test-'));
  for (const name of ['index.html', 'vite.config.ts', 'package.json', 'build.ts', 'src'])
    await cp(join(WEB, name), join(root, name), { recursive: true });
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('the web app build', () => {
  it('a clone that was never built is built, and its index.html loads hashed scripts that exist', async () => {
    assert.equal(await staleReason(root), 'not built yet');
    const lines: string[] = [];
    assert.equal(await ensureWebBuilt((line) => lines.push(line), root), true);
    assert.match(lines.join('\n'), /building the web app \(not built yet\)/);
    const html = await readFile(join(root, 'dist', 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script[^>]*src="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1] ?? '');
    assert.ok(scripts.length > 0, 'index.html loads a script');
    for (const script of scripts) {
      assert.match(script, /-[A-Za-z0-9_-]{8}\.js$/, 'the file name carries a content hash');
      await stat(join(root, 'dist', script));
      // Compressed once at build time, for the gateway to send as they are.
      await stat(join(root, 'dist', `${script}.br`));
      await stat(join(root, 'dist', `${script}.gz`));
    }
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script (the Content-Security-Policy forbids them)');
  });

  it('a built app whose sources did not change is not built again', async () => {
    assert.equal(await staleReason(root), undefined);
    assert.equal(await ensureWebBuilt(() => {}, root), false);
  });

  it('an edited source file makes the next start build again', async () => {
    const now = new Date();
    await utimes(join(root, 'src', 'main.tsx'), now, now);
    assert.equal(await staleReason(root), 'sources changed since the last build');
    assert.equal(await ensureWebBuilt(() => {}, root), true);
    assert.equal(await staleReason(root), undefined);
  });
});
