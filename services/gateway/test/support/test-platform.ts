import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropServiceDatabases, freePort, launchPlatform, type PlatformProcess } from '@mercato/cli';
import { SERVICE_NAMES } from '@mercato/kit';
import { call } from '../../../orders/test/support/shop.ts';

export const TEST_ADMIN = { email: 'admin@platform.test', password: 'admin password 123' };

export interface TestPlatform {
  base: string;
  /** `mercato up`'s data directory (secrets, runtime.json, internal-tls/). */
  dataDir: string;
  /** The admin's access token. */
  admin: string;
  /** The client secrets `mercato up` provisioned (what an attacker who read the data directory would hold). */
  secrets: () => Promise<{ clients: Record<string, string> }>;
  /** Where the registry listens (from the data directory's runtime.json). */
  registryUrl: () => Promise<string>;
  /** The platform's log lines at error level, to explain a failed assertion. */
  errors: () => string;
  /** Everything every process wrote so far (`mercato up` with JSON logs: `<name> | <json>` per line). */
  output: () => string;
  stop(): Promise<void>;
}

/**
 * The whole platform as `npm start` runs it (every service its own process, the real gateway), with
 * an empty store, rate limits off and a first admin: the world of the black-box suites.
 */
export async function startTestPlatform(name: string, env: Record<string, string> = {}): Promise<TestPlatform> {
  const external = process.env.DATABASE_URL;
  const prefix = `t_${name}_${process.pid}`;
  const dataDir = await mkdtemp(join(tmpdir(), `mercato-${name}-`));
  await chmod(dataDir, 0o755);
  let platform: PlatformProcess | undefined;
  const stop = async () => {
    await platform?.stop();
    if (external) await dropServiceDatabases(external, prefix, [...SERVICE_NAMES, 'bus']);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    platform = await launchPlatform({
      MERCATO_DATA_DIR: dataDir,
      GATEWAY_PORT: String(await freePort()),
      MERCATO_DB_PREFIX: prefix,
      DATABASE_URL: external ?? '',
      MERCATO_SEED: 'none',
      MERCATO_ADMIN_EMAIL: TEST_ADMIN.email,
      MERCATO_ADMIN_PASSWORD: TEST_ADMIN.password,
      MERCATO_RATE_LIMIT_ANON: '0',
      MERCATO_RATE_LIMIT_USER: '0',
      MERCATO_RATE_LIMIT_AUTH: '0',
      MERCATO_SANDBOX_DELAY_MS: '20',
      ...env,
    });
    const base = platform.gatewayUrl;
    const login = await call(base, 'POST', '/api/auth/login', { body: TEST_ADMIN });
    if (login.status !== 200) throw new Error(`the admin cannot sign in: ${login.status}`);
    return {
      base,
      dataDir,
      admin: login.body.accessToken,
      secrets: async () => JSON.parse(await readFile(join(dataDir, 'secrets.json'), 'utf8')),
      errors: () =>
        (platform?.output() ?? '')
          .split('\n')
          .filter((line) => /"level":(50|60)/.test(line))
          .join('\n'),
      output: () => platform?.output() ?? '',
      registryUrl: async () => JSON.parse(await readFile(join(dataDir, 'runtime.json'), 'utf8')).registryUrl,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A product with stock, made through the admin API. */
export async function stockedProduct(base: string, admin: string, sku: string, amount: number, onHand: number) {
  const created = await call(base, 'POST', '/api/products', {
    token: admin,
    body: {
      slug: sku.toLowerCase(),
      name: `Product ${sku}`,
      description: 'for the black-box suites',
      category: 'test-goods',
      price: { amount, currency: 'USD' },
      sku,
      images: [],
      attributes: {},
    },
  });
  if (created.status !== 201) throw new Error(`product ${sku}: ${created.status} ${JSON.stringify(created.body)}`);
  const stock = await call(base, 'PUT', `/api/inventory/${sku}`, { token: admin, body: { onHand } });
  if (stock.status !== 200) throw new Error(`stock ${sku}: ${stock.status}`);
  return created.body as { id: string; slug: string; sku: string };
}
