import { request } from 'undici';
import { cliToken, instanceUrl, useInternalTls } from './cli-token.ts';
import { UserError } from './user-error.ts';

/** `mercato keys rotate`: identity signs with a new key; the old one stays in the JWKS until its tokens expire. */
export async function rotateKeys(dataDir: string, registryUrl: string): Promise<number> {
  useInternalTls(dataDir);
  const identity = await instanceUrl(registryUrl, 'identity');
  if (!identity) throw new UserError('No running identity instance; is the platform up?');
  const token = await cliToken(dataDir, registryUrl, 'identity');
  const response = await request(`${identity}/internal/keys/rotate`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  const body = (await response.body.json()) as { kid?: string; detail?: string };
  if (response.statusCode !== 200) throw new UserError(`identity refused to rotate: ${body.detail ?? response.statusCode}`);
  process.stdout.write(`signing with key ${body.kid}; the previous key stays published until its tokens expire\n`);
  return 0;
}
