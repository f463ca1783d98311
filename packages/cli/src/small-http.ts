export interface SmallTls {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export interface SmallAnswer {
  status: number;
  body: string;
}

/**
 * One HTTP(S) exchange with Node's own client, for the supervisor's few calls (readiness, a dead
 * instance's deregistration, its own metrics reads and dead-letter replays): it runs as long as the shop does, and undici would add ~110 modules
 * to it for three requests (ADR 0021). Rejects on a network error or after `timeoutMs`.
 */
export function smallRequest(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    /** A JSON body, sent with its content type. */
    json?: unknown;
    timeoutMs: number;
    /** MERCATO_INTERNAL_TLS=on: the supervisor's certificate, and the CA a service's must come from. */
    tls?: SmallTls | undefined;
  },
): Promise<SmallAnswer> {
  return new Promise((resolve, reject) => {
    // Not ES imports: importing a built-in reads every export, and node:http's WebSocket getters would
    // load Node's bundled undici (ADR 0021); node:https (TLS) only for an https URL.
    const { request } = url.startsWith('https:') ? process.getBuiltinModule('node:https') : process.getBuiltinModule('node:http');
    const tls = options.tls && url.startsWith('https:') ? { ...options.tls, rejectUnauthorized: true } : {};
    const body = options.json === undefined ? undefined : JSON.stringify(options.json);
    const headers = body === undefined ? options.headers : { ...options.headers, 'content-type': 'application/json' };
    const outgoing = request(url, { method: options.method ?? 'GET', headers, timeout: options.timeoutMs, ...tls }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.once('end', () => resolve({ status: incoming.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      incoming.once('error', reject);
    });
    outgoing.once('timeout', () => outgoing.destroy(new Error(`no answer from ${url} within ${options.timeoutMs} ms`)));
    outgoing.once('error', reject);
    outgoing.end(body);
  });
}
