import type { FastifyInstance } from 'fastify';

export interface InjectOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface InjectedAnswer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  // biome-ignore lint/suspicious/noExplicitAny: assertions read whatever the answer holds
  body: Record<string, any> | undefined;
}

/** One request through `app.inject()` with a bearer token and a JSON body; the answer's JSON parsed. */
export async function injectJson(
  app: FastifyInstance,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  options: InjectOptions = {},
): Promise<InjectedAnswer> {
  const response = await app.inject({
    method,
    url,
    headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers },
    ...(options.body !== undefined ? { payload: options.body as object } : {}),
  });
  return { status: response.statusCode, headers: response.headers, body: response.body ? response.json() : undefined };
}
