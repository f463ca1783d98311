import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CommonProblems, type ProblemType, sendProblem } from '../problem.ts';
import { drainUnreadBody } from './unread-body.ts';

// Not `import { STATUS_CODES } from 'node:http'`: an ES import of a built-in reads every export,
// and node:http's WebSocket, MessageEvent and CloseEvent getters then load Node's bundled undici
// (2.3 MiB of heap, ~13 MiB RSS measured per process) that nothing here uses. Fastify requires
// node:http the CommonJS way, which reads no getter.
const { STATUS_CODES } = process.getBuiltinModule('node:http');

const alwaysHeaders = new WeakMap<FastifyInstance, Record<string, string>>();

/**
 * Headers every answer carries (the gateway's security headers): set by hooks on routed requests,
 * and here for the answers Fastify gives before any hook runs.
 */
export function setAlwaysHeaders(app: FastifyInstance, headers: Record<string, string>): void {
  alwaysHeaders.set(app, headers);
}

/**
 * Errors Fastify raises before a route runs (a URL that does not decode, a path parameter over the
 * limit), answered as problem+json like every other error (API.md "Conventions"), with the request id
 * and the headers every answer carries, since no hook runs for them.
 */
export function frameworkErrorHandler(error: { code?: string; message: string }, request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-request-id', request.id);
  reply.headers(alwaysHeaders.get(request.server) ?? {});
  // Answered once the body is read: a reset under a client still sending would lose the answer (`unread-body.ts`).
  void drainUnreadBody(request.raw).then((drained) => {
    if (!drained) reply.header('connection', 'close');
    if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
      sendProblem(reply, CommonProblems.uriTooLong, 'A path parameter is longer than any this API takes.');
      return;
    }
    sendProblem(reply, CommonProblems.validation, 'The URL is not valid: its percent-encoding does not decode to UTF-8.', {
      errors: [{ parameter: 'path', detail: 'holds invalid percent-encoding' }],
    });
  });
}

function problemForClientError(code: string | undefined): { problem: ProblemType; detail: string } {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return { problem: CommonProblems.headersTooLarge, detail: 'The request line and headers are over the 16 KiB limit.' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { problem: CommonProblems.requestTimeout, detail: 'The request did not arrive in time; send it again, faster.' };
    default:
      return { problem: CommonProblems.validation, detail: 'The request is not valid HTTP/1.1.' };
  }
}

/** A whole problem+json answer, for writing straight to a socket (no Fastify reply exists yet). */
function rawProblem(problem: ProblemType, detail: string, headers: Record<string, string> = {}): string {
  const body = JSON.stringify({ type: problem.type, title: problem.title, status: problem.status, detail });
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return (
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? ''}\r\n` +
    lines.join('') +
    'Content-Type: application/problem+json; charset=utf-8\r\n' +
    'X-Content-Type-Options: nosniff\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  );
}

/** Which requests with an `Upgrade` header reach the 'upgrade' event (see installBareAnswers); the rest are plain requests. */
export const shouldUpgrade = (request: IncomingMessage): boolean => request.headers['transfer-encoding'] !== undefined;

/**
 * Connection-level errors Node raises before Fastify sees a request (headers too large, a request
 * that arrives too slowly, a line that is not HTTP): answered as problem+json, then the connection closes.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  // Answered already: Node's parser reports each further chunk the client sends as an error again.
  if (answeredSockets.has(socket)) return;
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const { problem, detail } = problemForClientError(error.code);
  socket.end(rawProblem(problem, detail));
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return;
  // A client may still be sending what it had started (a body after a request line Node refused). Closing
  // now would answer its next write with a reset, which loses the answer it has not read yet; so the rest
  // is read (and dropped, the parser stays failed) for a little while, then the connection goes.
  answeredSockets.add(socket);
  setTimeout(() => socket.destroy(), DRAIN_AFTER_ANSWER_MS).unref();
}

/** Sockets whose connection-level error was answered and which are read until DRAIN_AFTER_ANSWER_MS. */
const answeredSockets = new WeakSet<Socket>();
const DRAIN_AFTER_ANSWER_MS = 2_000;

/**
 * Requests Node answers by itself before Fastify sees them, answered as problem+json like the rest
 * (API.md "Conventions"), with the request id and the headers every answer carries:
 * - `Expect` other than `100-continue`: Node's own 417 had no body at all;
 * - `CONNECT`: with no listener Node dropped the connection without a word. This is no proxy → 405.
 * - `Upgrade` on a request with a chunked body: nothing here upgrades (no WebSocket, no h2c), and Node
 *   answers such a request as plain HTTP/1.1 but no longer parses its body, so a malformed chunk got
 *   no answer at all, the connection held open. Those go to the 'upgrade' event (`shouldUpgrade`) → 400.
 *   An `Upgrade` without a body, or with a Content-Length one, is answered as HTTP/1.1 (RFC 9110 §7.8
 *   lets a server ignore it).
 */
export function installBareAnswers(app: FastifyInstance, requestId: (request: IncomingMessage) => string): void {
  const headersFor = (request: IncomingMessage) => ({ 'x-request-id': requestId(request), ...alwaysHeaders.get(app) });
  app.server.on('checkExpectation', (request, response) => {
    const problem = CommonProblems.expectationFailed;
    const body = JSON.stringify({
      type: problem.type,
      title: problem.title,
      status: problem.status,
      detail: `Only "Expect: 100-continue" is supported, not "${String(request.headers.expect).slice(0, 100)}".`,
    });
    response.writeHead(problem.status, {
      ...headersFor(request),
      'content-type': 'application/problem+json; charset=utf-8',
      'x-content-type-options': 'nosniff',
      'content-length': Buffer.byteLength(body),
      // The body the client holds back may still come: it is no request of its own.
      connection: 'close',
    });
    response.end(body);
  });
  app.server.on('upgrade', (request: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => socket.destroy());
    socket.end(
      rawProblem(
        CommonProblems.validation,
        'This server upgrades to no other protocol, and a request asking for one may not carry a chunked body.',
        headersFor(request),
      ),
    );
  });
  app.server.on('connect', (request: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => socket.destroy());
    socket.end(
      rawProblem(CommonProblems.methodNotAllowed, 'CONNECT is for proxies, and this server is not one.', {
        ...headersFor(request),
        Allow: 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
      }),
    );
  });
}
