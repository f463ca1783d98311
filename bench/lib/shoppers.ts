import { randomUUID } from 'node:crypto';
import { request } from 'undici';

/** JSON to and from the gateway, failing loudly on an unexpected status. */
export async function json<T>(
  url: string,
  options: { method?: string; token?: string; body?: unknown; expect?: number; headers?: Record<string, string> } = {},
): Promise<T> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const answer = await request(url, {
    method: (options.method ?? 'GET') as 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await answer.body.text();
  if (answer.statusCode !== (options.expect ?? 200))
    throw new Error(`${options.method ?? 'GET'} ${url} answered ${answer.statusCode}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Registers `count` shoppers (a few at a time: password hashing is deliberately slow) and returns their access tokens. */
export async function registerShoppers(gatewayUrl: string, count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i += 8) {
    const batch = Array.from({ length: Math.min(8, count - i) }, () =>
      json<{ accessToken: string }>(`${gatewayUrl}/api/auth/register`, {
        method: 'POST',
        body: { email: `bench-${randomUUID()}@shop.test`, password: 'benchmark password', name: 'Bench Shopper' },
        expect: 201,
      }),
    );
    for (const answer of await Promise.all(batch)) tokens.push(answer.accessToken);
  }
  return tokens;
}

/** Rate limits on (every request pays for counting) but far above what one machine can send. */
export const GENEROUS_RATE_LIMITS = {
  MERCATO_RATE_LIMIT_USER: '1000000',
  MERCATO_RATE_LIMIT_ANON: '1000000',
  MERCATO_RATE_LIMIT_AUTH: '1000000',
};
