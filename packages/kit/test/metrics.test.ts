import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createService, type Service } from '../src/index.ts';

let service: Service;
before(async () => {
  service = await createService(
    {
      name: 'probe',
      register: false,
      routes(app) {
        app.get('/items/:id', async () => ({ ok: true }));
      },
    },
    { LOG_LEVEL: 'silent', MERCATO_AUTH: 'off' },
  );
});
after(() => service.app.close());

describe('GET /metrics', () => {
  it('exposes default process metrics and request durations by route template, method and status', async () => {
    await service.app.inject({ method: 'GET', url: '/items/42' });
    await service.app.inject({ method: 'GET', url: '/items/43' });
    const response = await service.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/plain/);
    assert.match(response.body, /process_cpu_user_seconds_total/);
    assert.match(response.body, /nodejs_eventloop_lag_seconds/);
    const count = response.body
      .split('\n')
      .find(
        (l) =>
          l.startsWith('http_request_duration_seconds_count') &&
          l.includes('route="/items/:id"') &&
          l.includes('method="GET"') &&
          l.includes('status="200"'),
      );
    assert.ok(count, 'a count line for the route template');
    assert.match(count, / 2$/);
    assert.doesNotMatch(response.body, /route="\/items\/42"/, 'raw URLs never become labels');
  });
});
