import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { drainUnreadBody } from './http/unread-body.ts';

/** One entry of a service's error catalogue (`src/errors.ts`). */
export interface ProblemType {
  type: string;
  title: string;
  status: number;
}

export type ProblemFieldError =
  | { pointer: string; detail: string }
  | { parameter: string; detail: string }
  | { header: string; detail: string };

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: ProblemFieldError[];
  [extension: string]: unknown;
}

const BASE = 'https://mercato.dev/problems/';

/** The problems every service can answer with; services add their own in `src/errors.ts`. */
export const CommonProblems = {
  validation: { type: `${BASE}validation`, title: 'Your request is not valid', status: 400 },
  malformedBody: { type: `${BASE}malformed-body`, title: 'The request body is not valid JSON', status: 400 },
  unauthorized: { type: `${BASE}unauthorized`, title: 'Authentication required', status: 401 },
  forbidden: { type: `${BASE}forbidden`, title: 'Not allowed', status: 403 },
  notFound: { type: `${BASE}not-found`, title: 'Not found', status: 404 },
  methodNotAllowed: { type: `${BASE}method-not-allowed`, title: 'Method not allowed', status: 405 },
  conflict: { type: `${BASE}conflict`, title: 'Conflict', status: 409 },
  requestTimeout: { type: `${BASE}request-timeout`, title: 'The request took too long to arrive', status: 408 },
  expectationFailed: { type: `${BASE}expectation-failed`, title: 'Expectation not supported', status: 417 },
  bodyTooLarge: { type: `${BASE}body-too-large`, title: 'Request body too large', status: 413 },
  uriTooLong: { type: `${BASE}uri-too-long`, title: 'URI too long', status: 414 },
  headersTooLarge: { type: `${BASE}headers-too-large`, title: 'Request headers too large', status: 431 },
  unsupportedMediaType: { type: `${BASE}unsupported-media-type`, title: 'Unsupported media type', status: 415 },
  tooManyRequests: { type: `${BASE}too-many-requests`, title: 'Too many requests', status: 429 },
  internal: { type: `${BASE}internal`, title: 'Internal error', status: 500 },
  serviceUnavailable: { type: `${BASE}service-unavailable`, title: 'Service unavailable', status: 503 },
  upstreamTimeout: { type: `${BASE}upstream-timeout`, title: 'Upstream timed out', status: 504 },
} as const satisfies Record<string, ProblemType>;

/** Throw this from a route: the error handler turns it into problem+json. */
export class HttpProblem extends Error {
  readonly problem: ProblemType;
  readonly detail: string;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;
  /** Fastify and its plugins read the status from here. */
  readonly statusCode: number;
  constructor(
    problem: ProblemType,
    detail: string,
    options: { extensions?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
    this.problem = problem;
    this.detail = detail;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
    this.statusCode = problem.status;
  }
}

export function sendProblem(reply: FastifyReply, problem: ProblemType, detail: string, extra: Partial<ProblemBody> = {}): FastifyReply {
  const body: ProblemBody = { ...extra, type: problem.type, title: problem.title, status: problem.status, detail };
  return reply.code(problem.status).type('application/problem+json').send(body);
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Maps Fastify's ajv errors to API.md's `errors[]`: a JSON Pointer for the body, a name for query, path and header. */
export function fieldErrors(validation: AjvError[], context: string | undefined): ProblemFieldError[] {
  return validation.map((e) => {
    let path = e.instancePath;
    let detail = e.message ?? 'is invalid';
    if (e.keyword === 'required') path = `${path}/${String(e.params.missingProperty)}`;
    if (e.keyword === 'additionalProperties') {
      path = `${path}/${String(e.params.additionalProperty)}`;
      detail = 'is not an allowed field';
    }
    if (context === 'querystring' || context === 'params') {
      return { parameter: path.replace(/^\//, '').split('/')[0] ?? '', detail };
    }
    if (context === 'headers') return { header: path.replace(/^\//, '').split('/')[0] ?? '', detail };
    return { pointer: `#${path}`, detail };
  });
}

/**
 * PostgreSQL is out of connections, restarting or unreachable (SQLSTATE class 08, 53300, 57P01–57P03,
 * or no TCP connection): the client may retry, so 503, not a 500 that reads as our bug.
 */
const DATABASE_UNAVAILABLE = /^(08...|53300|57P0[123]|ECONNREFUSED|ECONNRESET)$/;
function isDatabaseUnavailable(error: { code?: string; message?: string }): boolean {
  return (
    DATABASE_UNAVAILABLE.test(error.code ?? '') ||
    /^(timeout exceeded when trying to connect|Connection terminated)/.test(error.message ?? '')
  );
}

function problemForFastifyError(error: FastifyError): { problem: ProblemType; detail: string } {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { problem: CommonProblems.bodyTooLarge, detail: 'The request body is over the limit of 1 MiB.' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { problem: CommonProblems.unsupportedMediaType, detail: 'Send the body as application/json.' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { problem: CommonProblems.malformedBody, detail: 'The body is empty but the content type is application/json.' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { problem: CommonProblems.malformedBody, detail: 'The request body is not valid JSON.' };
    default:
      break;
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
    return { problem: CommonProblems.malformedBody, detail: 'The request body could not be read.' };
  }
  // Before the database check: a client gone mid-body is Node's "aborted" with code ECONNRESET, which
  // Fastify marks 400; read as the database unreachable, it was a 503 and an error in the log.
  const status = error.statusCode ?? 500;
  if (status === 413) return { problem: CommonProblems.bodyTooLarge, detail: 'The request body is over the limit of 1 MiB.' };
  if (status >= 400 && status < 500) {
    const known = Object.values(CommonProblems).find((p) => p.status === status);
    return { problem: known ?? { type: `${BASE}client-error`, title: 'Bad request', status }, detail: error.message };
  }
  if (isDatabaseUnavailable(error)) {
    return { problem: CommonProblems.serviceUnavailable, detail: 'The service cannot reach its database right now; try again shortly.' };
  }
  return { problem: CommonProblems.internal, detail: 'Something went wrong on our side; it has been logged.' };
}

/**
 * Sends a problem once the rest of the request's body is read (`http/unread-body.ts`): an answer that
 * comes before the body, a 4xx from a hook or a 413, must not reset the connection under a client still
 * sending. Fastify marks a refused body's connection to close; read to its end, it serves the next request.
 */
async function sendAfterBody(
  request: FastifyRequest,
  reply: FastifyReply,
  problem: ProblemType,
  detail: string,
  extra?: Partial<ProblemBody>,
) {
  if (!(await drainUnreadBody(request.raw))) reply.header('connection', 'close');
  else if (problem === CommonProblems.bodyTooLarge) reply.removeHeader('connection');
  return sendProblem(reply, problem, detail, extra);
}

/** Installs problem+json answers for thrown errors and unknown routes. No stack ever leaves the process. */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler(async (error: FastifyError | HttpProblem, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof HttpProblem) {
      for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
      if (error.problem.status >= 500) request.log.error({ err: error }, error.message);
      return sendAfterBody(request, reply, error.problem, error.detail, error.extensions);
    }
    if (error.validation) {
      const errors = fieldErrors(error.validation as AjvError[], error.validationContext);
      const first = errors[0];
      const where = first ? ('pointer' in first ? first.pointer : 'parameter' in first ? first.parameter : first.header) : '';
      return sendAfterBody(request, reply, CommonProblems.validation, first ? `${where} ${first.detail}` : error.message, { errors });
    }
    const { problem, detail } = problemForFastifyError(error);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    if (problem === CommonProblems.serviceUnavailable) reply.header('retry-after', '1');
    return sendAfterBody(request, reply, problem, detail);
  });
  app.setNotFoundHandler((request, reply) =>
    sendAfterBody(request, reply, CommonProblems.notFound, `No route for ${request.method} ${request.url.split('?')[0]}.`),
  );
}
