import { randomBytes } from 'node:crypto';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/** A new W3C traceparent continuing `parent`'s trace (a new span id), or starting a new trace. */
export function childTraceparent(parent?: string): string {
  const match = parent ? TRACEPARENT.exec(parent) : null;
  const traceId = match?.[1] ?? randomBytes(16).toString('hex');
  return `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
}

/** The trace id in a traceparent, for log lines; undefined when it is not a valid one. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  return traceparent ? TRACEPARENT.exec(traceparent)?.[1] : undefined;
}

/** The `traceparent` a request carries, when it carries exactly one (a repeated header is not a trace context). */
export function traceparentOf(request: { headers: Record<string, string | string[] | undefined> }): string | undefined {
  const value = request.headers.traceparent;
  return typeof value === 'string' ? value : undefined;
}
