import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONTROL_PATHS, type ScalingStateResponse } from '@mercato/contracts';
import type { ControlEvents } from './control-events.ts';

export interface ControlServerOptions {
  host: string;
  port: number;
  /** The one client allowed: the gateway's ops credential (HTTP Basic). */
  clientId: string;
  clientSecret: string;
  events: ControlEvents;
  scaling: () => ScalingStateResponse;
  /** Under internal mTLS: the server's certificate and the CA a client's must come from. */
  tls?: { ca: Buffer; cert: Buffer; key: Buffer } | undefined;
}

export interface ControlServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The control loop's HTTP face (packages/contracts/src/ops-control.ts): `GET /events?after=<seq>`
 * and `GET /scaling` for the gateway, `/health/live` and `/health/ready` for probes. Node's own
 * server: the supervisor runs as long as the shop does and stays small (ADR 0021).
 */
export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  const expected = Buffer.from(`Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64')}`);
  const authorized = (header: string | undefined) => {
    const given = Buffer.from(header ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://control');
    const send = (status: number, body: unknown) => {
      const type = status >= 400 ? 'application/problem+json' : 'application/json';
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(JSON.stringify(body));
    };
    const problem = (status: number, title: string, detail: string) => send(status, { type: 'about:blank', title, status, detail });
    if (request.method !== 'GET') return problem(405, 'Method not allowed', 'The control loop answers GET only.');
    if (url.pathname === '/health/live' || url.pathname === '/health/ready') return send(200, { status: 'ready' });
    if (!authorized(request.headers.authorization)) return problem(401, 'Unauthorized', 'Send the gateway-ops credential.');
    if (url.pathname === CONTROL_PATHS.events) {
      const after = url.searchParams.get('after') ?? '0';
      if (!/^(0|[1-9][0-9]{0,14})$/.test(after)) return problem(400, 'Bad request', 'after must be a sequence number.');
      return send(200, { items: options.events.after(Number(after)) });
    }
    if (url.pathname === CONTROL_PATHS.scaling) return send(200, options.scaling());
    return problem(404, 'Not found', `No ${url.pathname} here.`);
  };
  const server: Server = options.tls
    ? process.getBuiltinModule('node:https').createServer({ ...options.tls, requestCert: true, rejectUnauthorized: true }, handle)
    : process.getBuiltinModule('node:http').createServer(handle);
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `${options.tls ? 'https' : 'http'}://${shownHost}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
