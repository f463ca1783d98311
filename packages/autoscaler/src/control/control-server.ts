import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONTROL_PATHS, type ControlEventsResponse, type ScalingStateResponse } from '@mercato/contracts';
import { readBasicAuthorization } from '@mercato/kit/supervisor';
import type { ControlEvents } from './control-events.ts';

export interface ControlServerOptions {
  host: string;
  port: number;
  /**
   * The one client allowed: the gateway's ops credential (HTTP Basic), known here only by the SHA-256
   * (hex) of its secret — as identity knows every client — so a control loop never holds a secret
   * that would let it call the services. An empty hash lets nobody in.
   */
  clientId: string;
  clientSecretSha256: string;
  /** The control loop's event log: `GET /events?after=<seq>` answers `events.after(seq)`. */
  events: Pick<ControlEvents, 'after'>;
  /** `GET /scaling`: the supervisor's autoscale loop (or its instances as they are), the controller's HPAs. */
  scaling: () => ScalingStateResponse;
  /** `/health/ready` is 503 while this answers false (the controller before its first step); always ready without it. */
  ready?: (() => boolean) | undefined;
  /** Under internal mTLS: the server's certificate and the CA a client's must come from. */
  tls?: { ca: Buffer; cert: Buffer; key: Buffer } | undefined;
}

export interface ControlServer {
  url: string;
  close(): Promise<void>;
}

/** SHA-256 first, so both sides are 32 bytes and the comparison says nothing about the length either. */
const digest = (text: string) => createHash('sha256').update(text).digest();
const SHA256_HEX = /^[0-9a-f]{64}$/i;

/** `after` is a sequence number: 0 or more, at most 15 digits (well within a safe integer). */
const SEQ = /^\d{1,15}$/;

/**
 * The control loop's HTTP face (packages/contracts/src/ops-control.ts), for the supervisor of `mercato up`
 * and the autoscaler controller on Kubernetes alike: `GET /events?after=<seq>` and `GET /scaling` for the
 * gateway, behind HTTP Basic with its ops credential (401 with a Basic challenge otherwise), and the
 * unauthenticated probes `/health/live` and `/health/ready`. GET and HEAD only (405 with `Allow`), any
 * other path 404, errors as problem+json. Node's own server: the supervisor runs as long as the shop
 * does and stays small (ADR 0021). Resolves once listening.
 */
export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  if (options.clientSecretSha256 !== '' && !SHA256_HEX.test(options.clientSecretSha256))
    throw new RangeError('clientSecretSha256 must be 64 hex digits (or empty: nobody in)');
  const expected = options.clientSecretSha256 === '' ? undefined : Buffer.from(options.clientSecretSha256, 'hex');
  const authorized = (request: IncomingMessage) => {
    if (!expected) return false;
    const credentials = readBasicAuthorization(request.headers.authorization);
    // The secret's digest is compared whatever the id, so the time says nothing about which part was wrong.
    const secretMatches = timingSafeEqual(digest(credentials?.clientSecret ?? ''), expected);
    return credentials?.clientId === options.clientId && secretMatches;
  };
  const ready = options.ready ?? (() => true);

  const answer = (request: IncomingMessage, response: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://control');
    } catch {
      return problem(response, 400, 'Bad request', 'The request target is not a path.');
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return problem(response, 405, 'Method not allowed', 'The control loop answers GET and HEAD only.', { allow: 'GET, HEAD' });
    }
    if (url.pathname === '/health/live') return json(response, 200, { status: 'live' });
    if (url.pathname === '/health/ready') {
      return ready() ? json(response, 200, { status: 'ready' }) : json(response, 503, { status: 'starting' });
    }
    if (url.pathname !== CONTROL_PATHS.events && url.pathname !== CONTROL_PATHS.scaling) {
      return problem(response, 404, 'Not found', `No ${url.pathname} here.`);
    }
    if (!authorized(request)) {
      return problem(response, 401, 'Unauthorized', `HTTP Basic with the ${options.clientId} client's secret.`, {
        'www-authenticate': 'Basic realm="mercato-control", charset="UTF-8"',
      });
    }
    if (url.pathname === CONTROL_PATHS.scaling) return json(response, 200, options.scaling());
    const after = url.searchParams.get('after') ?? '0';
    if (!SEQ.test(after)) return problem(response, 400, 'Bad request', 'after is a sequence number (0 or more).');
    return json(response, 200, { items: options.events.after(Number(after)) } satisfies ControlEventsResponse);
  };
  // Whatever a request holds, the control loop (the supervisor itself) never throws out of a request.
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    try {
      answer(request, response);
    } catch {
      if (!response.headersSent) problem(response, 500, 'Internal error', 'The control loop could not answer this.');
      else response.destroy();
    }
  };

  // node:https only under internal mTLS: nothing more is loaded by default (ADR 0021).
  const server: Server = options.tls
    ? process.getBuiltinModule('node:https').createServer({ ...options.tls, requestCert: true, rejectUnauthorized: true }, handle)
    : process.getBuiltinModule('node:http').createServer(handle);
  // The gateway's calls are short and from one client; a connection idle this long is dropped.
  server.keepAliveTimeout = 5_000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `${options.tls ? 'https' : 'http'}://${shownHost}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive connections would hold the close for keepAliveTimeout; a call in flight finishes.
        server.closeIdleConnections();
      }),
  };
}

function json(response: ServerResponse, status: number, body: unknown): void {
  write(response, status, 'application/json', body, {});
}

function problem(response: ServerResponse, status: number, title: string, detail: string, headers: Record<string, string> = {}): void {
  write(response, status, 'application/problem+json', { type: 'about:blank', title, status, detail }, headers);
}

function write(response: ServerResponse, status: number, type: string, body: unknown, headers: Record<string, string>): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  // For HEAD, node:http sends the headers (content-length included) and drops the body.
  response.end(text);
}
