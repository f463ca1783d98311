import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadControllerConfig } from '../src/kubernetes/config.ts';

const VALID = {
  AUTOSCALER_NAMESPACE: 'mercato',
  PROMETHEUS_URL: 'http://prometheus-operated.monitoring.svc:9090',
  AUTOSCALER_CAPACITY_RPS: '{"catalog":500,"cart":1000}',
  AUTOSCALER_FLOORS: '{"catalog":2,"cart":2}',
  // identity's table: the gateway-ops client's secret is known only by its SHA-256.
  AUTOSCALER_SERVICE_CLIENTS: JSON.stringify({ gateway: 'a'.repeat(64), 'gateway-ops': 'B'.repeat(64) }),
};

describe('the controller configuration', () => {
  test('a complete environment gives every service its HPA, capacity and floor, and a 15 s step', () => {
    const config = loadControllerConfig(VALID);
    assert.deepEqual(config.services, [
      { name: 'catalog', hpa: 'catalog', capacityRps: 500, floor: 2 },
      { name: 'cart', hpa: 'cart', capacityRps: 1000, floor: 2 },
    ]);
    assert.equal(config.stepMs, 15_000);
    assert.equal(config.port, 8080);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.opsClientSecretSha256, 'b'.repeat(64), "gateway-ops's hash, never a secret");
  });

  test('each missing or wrong variable is named with what it must be', () => {
    const cases: [Record<string, string | undefined>, RegExp][] = [
      [{ PROMETHEUS_URL: undefined }, /^PROMETHEUS_URL is not set: .*http:\/\//],
      [{ PROMETHEUS_URL: 'prometheus:9090' }, /^PROMETHEUS_URL must be http:\/\/ or https:\/\//],
      [{ PROMETHEUS_URL: 'not a url' }, /^PROMETHEUS_URL is not a URL/],
      [{ AUTOSCALER_NAMESPACE: '' }, /^AUTOSCALER_NAMESPACE is not set/],
      [{ AUTOSCALER_NAMESPACE: 'Mercato_Prod' }, /^AUTOSCALER_NAMESPACE is not a namespace name/],
      [{ AUTOSCALER_CAPACITY_RPS: '{catalog: 500}' }, /^AUTOSCALER_CAPACITY_RPS is not JSON/],
      [{ AUTOSCALER_CAPACITY_RPS: '{}' }, /^AUTOSCALER_CAPACITY_RPS must be a non-empty JSON object/],
      [{ AUTOSCALER_CAPACITY_RPS: '{"catalog":-1,"cart":1}' }, /^AUTOSCALER_CAPACITY_RPS has -1 for catalog/],
      [{ AUTOSCALER_FLOORS: '{"catalog":2}' }, /^AUTOSCALER_FLOORS has no floor for cart/],
      [{ AUTOSCALER_FLOORS: '{"catalog":2,"cart":2,"orders":2}' }, /^AUTOSCALER_CAPACITY_RPS has no capacity for orders/],
      [{ AUTOSCALER_FLOORS: '{"catalog":0,"cart":2}' }, /^AUTOSCALER_FLOORS has 0 for catalog/],
      [{ AUTOSCALER_STEP_MS: '1000' }, /^AUTOSCALER_STEP_MS must be a whole number from 5000 to 300000/],
      [{ AUTOSCALER_SERVICE_CLIENTS: undefined }, /^AUTOSCALER_SERVICE_CLIENTS is not set: .*gateway-ops/],
      [{ AUTOSCALER_SERVICE_CLIENTS: 'a-plain-secret' }, /^AUTOSCALER_SERVICE_CLIENTS must be a JSON object/],
      [{ AUTOSCALER_SERVICE_CLIENTS: `{"gateway":"${'a'.repeat(64)}"}` }, /^AUTOSCALER_SERVICE_CLIENTS has no SHA-256 hex for gateway-ops/],
      [{ AUTOSCALER_SERVICE_CLIENTS: '{"gateway-ops":"not-hex"}' }, /^AUTOSCALER_SERVICE_CLIENTS has no SHA-256 hex for gateway-ops/],
    ];
    for (const [change, message] of cases) {
      assert.throws(
        () => loadControllerConfig({ ...VALID, ...change }),
        { name: 'ControllerConfigError', message },
        JSON.stringify(change),
      );
    }
  });
});
