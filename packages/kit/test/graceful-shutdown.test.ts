import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { spawnService } from './fixtures/spawn-service.ts';

const slowService = fileURLToPath(new URL('./fixtures/slow-service.ts', import.meta.url));

describe('graceful shutdown', () => {
  it('SIGTERM lets an in-flight request finish, then the process exits 0 and refuses new connections', async () => {
    const service = await spawnService(slowService, { SLOW_MS: '800' });
    const inFlight = request(`${service.url}/slow`).then(async (r) => ({ status: r.statusCode, body: await r.body.json() }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    service.child.kill('SIGTERM');
    const answer = await inFlight;
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { done: true });
    const { code } = await service.exited;
    assert.equal(code, 0, service.output());
    await assert.rejects(request(`${service.url}/health/live`), /ECONNREFUSED/);
  });

  it('a request still running at the drain bound is cut so the process still stops', async () => {
    const service = await spawnService(slowService, { SLOW_MS: '20000', MERCATO_SHUTDOWN_TIMEOUT_MS: '300' });
    const inFlight = request(`${service.url}/slow`).then(
      () => 'answered',
      () => 'cut',
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stopAsked = Date.now();
    service.child.kill('SIGTERM');
    const { code } = await service.exited;
    assert.equal(code, 0);
    assert.ok(Date.now() - stopAsked < 5_000, 'stopped within the bound, not after the slow request');
    assert.equal(await inFlight, 'cut');
  });
});
