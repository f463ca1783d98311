import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Secrets `mercato up` makes once and keeps in the data directory (mode 600). */
export interface PlatformSecrets {
  /** AES-256 key for data at rest (addresses, signing keys), base64. */
  dataKey: string;
  /** OAuth2 client secrets, one per process that calls others, and one for the `mercato` command. */
  clients: Record<string, string>;
}

const fileIn = (dataDir: string) => join(dataDir, 'secrets.json');

/** Loads the secrets, adding whatever is missing (a first start, a new service). Says what it generated. */
export async function ensureSecrets(dataDir: string, clientIds: readonly string[], say: (line: string) => void): Promise<PlatformSecrets> {
  const saved = await readFile(fileIn(dataDir), 'utf8')
    .then((text) => JSON.parse(text) as PlatformSecrets)
    .catch(() => undefined);
  const secrets: PlatformSecrets = saved ?? { dataKey: randomBytes(32).toString('base64'), clients: {} };
  if (!saved) say(`generated a data encryption key and service credentials in ${fileIn(dataDir)} — keep that file private and backed up`);
  let changed = !saved;
  for (const id of clientIds) {
    if (!secrets.clients[id]) {
      secrets.clients[id] = randomBytes(24).toString('base64url');
      changed = true;
    }
  }
  if (changed) await writeFile(fileIn(dataDir), JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

export async function readSecrets(dataDir: string): Promise<PlatformSecrets | undefined> {
  return readFile(fileIn(dataDir), 'utf8')
    .then((text) => JSON.parse(text) as PlatformSecrets)
    .catch(() => undefined);
}

/** What identity gets: client id → SHA-256 of the secret, never the secrets. */
export function clientSecretHashes(clients: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(clients).map(([id, secret]) => [id, secretSha256(secret)])));
}

/** SHA-256 (hex) of a client secret; '' for a secret that is missing, which lets nobody in. */
export function secretSha256(secret: string | undefined): string {
  return secret ? createHash('sha256').update(secret).digest('hex') : '';
}
