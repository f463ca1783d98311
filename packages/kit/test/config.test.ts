import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Type } from 'typebox';
import { BaseConfig, ConfigError, loadConfig } from '../src/index.ts';
import { runToExit } from './fixtures/spawn-service.ts';

const slowService = fileURLToPath(new URL('./fixtures/slow-service.ts', import.meta.url));

describe('loadConfig', () => {
  it('applies defaults and converts numbers from strings', () => {
    const config = loadConfig(BaseConfig, { PORT: '8081' });
    assert.equal(config.PORT, 8081);
    assert.equal(config.MERCATO_HOST, '127.0.0.1');
    assert.equal(config.DISCOVERY, 'registry');
  });

  it('names a required variable that is missing', () => {
    const schema = Type.Object({ CATALOG_DATABASE_URL: Type.String() });
    assert.throws(
      () => loadConfig(schema, {}),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.variable, 'CATALOG_DATABASE_URL');
        assert.match(error.message, /CATALOG_DATABASE_URL is required/);
        return true;
      },
    );
  });

  it('names a variable with a bad value and says what it must be', () => {
    assert.throws(() => loadConfig(BaseConfig, { PORT: 'eighty' }), /PORT must be a whole number from 0 to 65535 \(got "eighty"\)/);
    assert.throws(() => loadConfig(BaseConfig, { DISCOVERY: 'consul' }), /DISCOVERY must be one of registry, dns/);
  });
});

describe('a service started with bad configuration', () => {
  it('prints one line naming the variable and exits 1 without a stack trace', async () => {
    const { code, stderr, stdout } = await runToExit(slowService, { PORT: '99999' });
    assert.equal(code, 1);
    assert.equal(stderr.trim().split('\n').length, 1, `expected one line, got:\n${stderr}`);
    assert.match(stderr, /slow: configuration error: PORT must be a whole number/);
    assert.doesNotMatch(stderr + stdout, /\bat .*\.ts:\d+/);
  });
});
