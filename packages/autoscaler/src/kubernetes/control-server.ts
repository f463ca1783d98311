/**
 * The controller's HTTP side (node:http): the control loop's contract for the gateway
 * (packages/contracts/src/ops-control.ts: `GET /events?after=<seq>`, `GET /scaling`) behind HTTP Basic
 * with the gateway's ops client (`gateway-ops:<MERCATO_OPS_CLIENT_SECRET>`), and the unauthenticated
 * probes `/health/live` and `/health/ready`. Everything else is 404; a wrong or missing credential 401.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CONTROL_PATHS, GATEWAY_OPS_CLIENT } from '@mercato/contracts';
import type { HpaController } from './controller.ts';

export interface ControlServerOptions {
  controller: Pick<HpaController, 'events' | 'scaling'>;
  /** The gateway-ops client's secret: the only credential accepted. */
  opsClientSecret: string;
  /** Ready once the controller has made a first pass (it can talk to the API server). */
  ready: () => boolean;
}

/** SHA-256 first, so both sides are 32 bytes and the comparison says nothing about the length either. */
const digest = (text: string) => createHash('sha256').update(text).digest();

export function createControlServer(options: ControlServerOptions): Server {
  const expected = digest(`Basic ${Buffer.from(`${GATEWAY_OPS_CLIENT}:${options.opsClientSecret}`).toString('base64')}`);
  const authorised = (request: IncomingMessage) => timingSafeEqual(digest(request.headers.authorization ?? ''), expected);

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://control');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return send(response, 405, { title: 'Method not allowed', status: 405 }, { allow: 'GET, HEAD' });
    }
    if (url.pathname === '/health/live') return send(response, 200, { status: 'ok' });
    if (url.pathname === '/health/ready') {
      return options.ready() ? send(response, 200, { status: 'ok' }) : send(response, 503, { status: 'starting' });
    }
    if (url.pathname !== CONTROL_PATHS.events && url.pathname !== CONTROL_PATHS.scaling) {
      return send(response, 404, { title: 'Not found', status: 404 });
    }
    if (!authorised(request)) {
      return send(
        response,
        401,
        { title: 'Unauthorized', status: 401, detail: `HTTP Basic with the ${GATEWAY_OPS_CLIENT} client's secret` },
        { 'www-authenticate': 'Basic realm="mercato-autoscaler"' },
      );
    }
    if (url.pathname === CONTROL_PATHS.scaling) return send(response, 200, options.controller.scaling());
    const after = url.searchParams.get('after');
    if (after !== null && !/^\d{1,15}$/.test(after)) {
      return send(response, 400, { title: 'Bad request', status: 400, detail: 'after is a sequence number (0 or more)' });
    }
    return send(response, 200, options.controller.events(after === null ? 0 : Number(after)));
  });
  // The gateway's calls are short and from one client; a connection idle this long is dropped.
  server.keepAliveTimeout = 5_000;
  server.requestTimeout = 10_000;
  return server;
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  const type = status >= 400 && 'title' in (body as object) ? 'application/problem+json' : 'application/json';
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  response.end(text);
}
