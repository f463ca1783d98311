import { request } from 'undici';

/** `mercato status`: the gateway's readiness and every service's healthy instance count. */
export async function status(url: string): Promise<number> {
  try {
    const response = await request(`${url}/health/ready`, { headersTimeout: 3_000 });
    const body = (await response.body.json()) as { status: string; services?: Record<string, number> };
    process.stdout.write(`gateway ${url}: ${body.status}\n`);
    for (const [name, count] of Object.entries(body.services ?? {})) {
      process.stdout.write(`  ${name.padEnd(16)} ${count} healthy instance${count === 1 ? '' : 's'}\n`);
    }
    return response.statusCode === 200 ? 0 : 1;
  } catch (error) {
    process.stderr.write(`mercato: no gateway answers at ${url} (${(error as Error).message}); is 'npm start' running?\n`);
    return 1;
  }
}
