import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CommonProblems, type ProblemType, sendProblem } from '../problem.ts';

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
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    sendProblem(reply, CommonProblems.uriTooLong, 'A path parameter is longer than any this API takes.');
    return;
  }
  sendProblem(reply, CommonProblems.validation, 'The URL is not valid: its percent-encoding does not decode to UTF-8.', {
    errors: [{ parameter: 'path', detail: 'holds invalid percent-encoding' }],
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

/**
 * Connection-level errors Node raises before Fastify sees a request (headers too large, a request
 * that arrives too slowly, a line that is not HTTP): answered as problem+json, then the connection closes.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const { problem, detail } = problemForClientError(error.code);
  const body = JSON.stringify({ type: problem.type, title: problem.title, status: problem.status, detail });
  socket.end(
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? ''}\r\n` +
      'Content-Type: application/problem+json; charset=utf-8\r\n' +
      'X-Content-Type-Options: nosniff\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
