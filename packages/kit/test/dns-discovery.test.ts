import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BaseConfig, DnsDiscovery, loadConfig } from '../src/index.ts';

describe('DISCOVERY=dns', () => {
  it('reaches every service by its name, as Kubernetes Services', () => {
    const discovery = new DnsDiscovery({ port: 80, services: ['catalog', 'cart'] });
    assert.equal(discovery.pick('catalog')?.url, 'http://catalog');
    assert.deepEqual([...discovery.snapshot().keys()], ['catalog', 'cart']);
    assert.equal(new DnsDiscovery({ port: 8080, services: [] }).pick('orders')?.url, 'http://orders:8080');
  });

  it('is chosen by configuration', () => {
    assert.equal(loadConfig(BaseConfig, { DISCOVERY: 'dns', MERCATO_DNS_PORT: '8080' }).MERCATO_DNS_PORT, 8080);
  });
});
