import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createService, type Service } from '../src/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

let database: TestDatabase;
let service: Service;
before(async () => {
  database = await createTestDatabase('health');
  service = await createService(
    { name: 'probe', register: false, migrations: new URL('./fixtures/migrations/', import.meta.url) },
    { LOG_LEVEL: 'silent', MERCATO_AUTH: 'off', PROBE_DATABASE_URL: database.url },
  );
  await service.start();
});
after(async () => {
  await service.stop();
  await database.drop();
});

describe('health endpoints', () => {
  it('/health/live answers 200 while the process runs', async () => {
    const response = await service.app.inject({ method: 'GET', url: '/health/live' });
    assert.equal(response.statusCode, 200);
  });

  it('/health/ready is 200 while the database answers and 503 once it does not', async () => {
    const ready = await service.app.inject({ method: 'GET', url: '/health/ready' });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json().checks, { accepting: true, database: true });
    await database.drop();
    const degraded = await service.app.inject({ method: 'GET', url: '/health/ready' });
    assert.equal(degraded.statusCode, 503);
    assert.equal(degraded.json().checks.database, false);
  });
});
