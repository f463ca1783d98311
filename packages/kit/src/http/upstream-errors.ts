import { CommonProblems, HttpProblem } from '../problem.ts';

/** Methods a caller may repeat without changing the outcome (RFC 9110 §9.2.2): only these are retried on another instance. */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/** The request never left this process: no connection could be made, so the instance got nothing. */
const CONNECT_FAILED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);
/**
 * The TLS handshake failed (MERCATO_INTERNAL_TLS=on: a certificate the other side does not trust, either
 * way), so no request was sent either: OpenSSL's verification codes and the alerts a server answers with.
 */
const TLS_REFUSED = /^(?:ERR_TLS_CERT_ALTNAME_INVALID|ERR_SSL_.*ALERT.*|[A-Z_]*CERT[A-Z_]*|UNABLE_TO_[A-Z_]+)$/;
/** The connection broke before a full answer came: the instance may or may not have acted on the request. */
const CONNECTION_BROKE = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

export interface ConnectionFailure {
  code: string;
  /** `connect`: nothing was sent (the instance is likely gone); `broken`: an open connection failed mid-request. */
  phase: 'connect' | 'broken';
}

/**
 * Classifies an error from undici (or @fastify/reply-from, which wraps it in `cause`) as a failure of
 * the connection itself; undefined for anything else (timeouts, aborts, bad answers).
 */
export function connectionFailure(error: unknown): ConnectionFailure | undefined {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (CONNECT_FAILED.has(code) || TLS_REFUSED.test(code)) return { code, phase: 'connect' };
      if (CONNECTION_BROKE.has(code)) return { code, phase: 'broken' };
    }
    // Node tries every address of a name (happy eyeballs) and reports them together.
    if (current instanceof AggregateError) {
      for (const inner of current.errors) {
        const failure = connectionFailure(inner);
        if (failure) return failure;
      }
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export type UpstreamUnavailableReason = 'circuit_open' | 'no_instance' | 'unreachable' | 'no_token';

/**
 * Another service cannot be used right now: its circuit is open, no instance of it is known, no
 * instance could be reached, or no token to call it could be obtained. A route that lets it through
 * answers 503 problem+json with `Retry-After`.
 */
export class UpstreamUnavailableError extends HttpProblem {
  readonly service: string;
  readonly reason: UpstreamUnavailableReason;
  readonly retryAfterSeconds: number;
  constructor(service: string, reason: UpstreamUnavailableReason, options: { retryAfterSeconds?: number; cause?: unknown } = {}) {
    const retryAfterSeconds = Math.max(1, Math.ceil(options.retryAfterSeconds ?? 1));
    const detail =
      reason === 'circuit_open'
        ? `${service} is failing; calls to it are paused for ${retryAfterSeconds} s.`
        : reason === 'no_instance'
          ? `No instance of ${service} is available; try again shortly.`
          : reason === 'no_token'
            ? `No service token to call ${service} could be obtained; try again shortly.`
            : `${service} is unreachable right now; try again shortly.`;
    super(CommonProblems.serviceUnavailable, detail, { extensions: { service }, headers: { 'retry-after': String(retryAfterSeconds) } });
    this.name = 'UpstreamUnavailableError';
    this.service = service;
    this.reason = reason;
    this.retryAfterSeconds = retryAfterSeconds;
    if (options.cause !== undefined) this.cause = options.cause;
  }
}

/** Another service did not answer within the call's time bound. A route that lets it through answers 504 problem+json. */
export class UpstreamTimeoutError extends HttpProblem {
  readonly service: string;
  readonly timeoutMs: number;
  constructor(service: string, timeoutMs: number) {
    super(CommonProblems.upstreamTimeout, `${service} did not answer within ${timeoutMs} ms.`, { extensions: { service } });
    this.name = 'UpstreamTimeoutError';
    this.service = service;
    this.timeoutMs = timeoutMs;
  }
}
