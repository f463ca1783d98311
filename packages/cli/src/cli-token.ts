import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request, setGlobalDispatcher } from 'undici';
import { readSecrets } from './secrets.ts';
import { UserError } from './user-error.ts';

/**
 * A \`mercato\` command that calls services directly (\`dlq\`, \`keys\`) shows the \`cli\` certificate
 * \`mercato up\` made when MERCATO_INTERNAL_TLS=on (\`internal-certs.ts\`). Global: such a command calls
 * nothing but the platform's own services.
 */
export function useInternalTls(dataDir: string): void {
  const dir = join(dataDir, 'internal-tls');
  const files = { ca: join(dir, 'ca.pem'), cert: join(dir, 'cli.pem'), key: join(dir, 'cli-key.pem') };
  if (!Object.values(files).every((file) => existsSync(file))) return;
  const [ca, cert, key] = [files.ca, files.cert, files.key].map((file) => readFileSync(file));
  setGlobalDispatcher(new Agent({ connect: { ca, cert, key, rejectUnauthorized: true } }));
}

/** An instance URL of `service`, as the registry knows it. */
export async function instanceUrl(registryUrl: string, service: string): Promise<string | undefined> {
  const response = await request(`${registryUrl}/instances?service=${service}`, { headersTimeout: 3_000 });
  const { items } = (await response.body.json()) as { items: { url: string }[] };
  return items[0]?.url;
}

/** A service token for the `mercato` command, addressed to `audience`, from the credentials `mercato up` keeps in the data dir. */
export async function cliToken(dataDir: string, registryUrl: string, audience: string): Promise<string> {
  const secrets = await readSecrets(dataDir);
  const secret = secrets?.clients.mercato;
  if (!secret) throw new UserError(`No credentials for the mercato command in ${dataDir}; start the platform once with 'npm start'.`);
  const identity = await instanceUrl(registryUrl, 'identity');
  if (!identity) throw new UserError('No running identity instance; is the platform up?');
  const response = await request(`${identity}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'mercato', client_secret: secret, audience }),
  });
  const body = (await response.body.json()) as { access_token?: string; detail?: string };
  if (!body.access_token) throw new UserError(`identity refused the mercato command a token: ${body.detail ?? response.statusCode}`);
  return body.access_token;
}
