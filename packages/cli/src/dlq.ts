import { SERVICE_NAMES } from '@mercato/kit';
import { request } from 'undici';
import { cliToken, instanceUrl, useInternalTls } from './cli-token.ts';
import { UserError } from './user-error.ts';

interface DeadLetter {
  id: string;
  consumer: string;
  eventId: string | null;
  type: string | null;
  reason: string;
  attempts: number;
  failedAt: string;
}

/** `mercato dlq list [service]`: the open dead letters of every (or one) service. */
export async function listDeadLetters(dataDir: string, registryUrl: string, only?: string): Promise<number> {
  useInternalTls(dataDir);
  const services = only ? [only] : [...SERVICE_NAMES];
  let total = 0;
  for (const service of services) {
    const url = await instanceUrl(registryUrl, service);
    if (!url) {
      process.stdout.write(`${service}: no running instance\n`);
      continue;
    }
    const token = await cliToken(dataDir, registryUrl, service);
    const response = await request(`${url}/internal/dead-letters?limit=100`, {
      headersTimeout: 5_000,
      headers: { authorization: `Bearer ${token}` },
    });
    const { items } = (await response.body.json()) as { items: DeadLetter[] };
    total += items.length;
    for (const item of items) {
      process.stdout.write(
        `${service}  #${item.id}  ${item.consumer}  ${item.type ?? '?'}  event ${item.eventId ?? '?'}  ${item.attempts} attempts  ${item.failedAt}\n    ${item.reason}\n`,
      );
    }
  }
  process.stdout.write(`${total} open dead letter${total === 1 ? '' : 's'}\n`);
  return 0;
}

/** `mercato dlq replay <service> <id>`: runs the consumer's handler on the event again. */
export async function replayDeadLetter(dataDir: string, registryUrl: string, service: string, id: string): Promise<number> {
  useInternalTls(dataDir);
  const url = await instanceUrl(registryUrl, service);
  if (!url) throw new UserError(`No running instance of ${service}.`);
  const token = await cliToken(dataDir, registryUrl, service);
  const response = await request(`${url}/internal/dead-letters/${encodeURIComponent(id)}/replay`, {
    method: 'POST',
    headersTimeout: 30_000,
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await response.body.json()) as { outcome?: string; detail?: string };
  if (response.statusCode === 200) {
    process.stdout.write(`${service} #${id}: ${body.outcome}\n`);
    return 0;
  }
  process.stderr.write(`mercato: ${service} #${id}: ${body.detail ?? `answered ${response.statusCode}`}\n`);
  return 1;
}
