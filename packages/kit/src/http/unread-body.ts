import type { IncomingMessage } from 'node:http';

/** A body still arriving under an early answer is read to its end up to this much (8× the 1 MiB limit); a larger one is cut off. */
export const LINGER_LIMIT_BYTES = 8 * 1024 * 1024;

/** The request announces a body (a length above 0, or chunks) that nobody has read to its end. */
export function hasUnreadBody(raw: IncomingMessage): boolean {
  const length = raw.headers['content-length'];
  const announces = (length !== undefined && length !== '0') || raw.headers['transfer-encoding'] !== undefined;
  return announces && !raw.readableEnded && !raw.destroyed;
}

/**
 * Reads and drops what is left of a request's body before an early answer (a 400 for the query, a
 * 401, a 404, a 413) goes out. Answering while the client is still sending, on a connection that
 * then closes (the client's `Connection: close`, or Node's), makes the kernel reset it under the
 * client: its next write fails with EPIPE and it may never read the answer (the platform fuzz suite
 * saw this in CI). Resolves false when the body is over LINGER_LIMIT_BYTES (announced or counted):
 * the caller closes the connection then. The request timeout bounds a body that never ends.
 */
export async function drainUnreadBody(raw: IncomingMessage): Promise<boolean> {
  if (!hasUnreadBody(raw)) return true;
  const announced = Number(raw.headers['content-length']);
  if (Number.isSafeInteger(announced) && announced > LINGER_LIMIT_BYTES) return false;
  return new Promise<boolean>((resolve) => {
    let read = 0;
    const done = (drained: boolean) => {
      raw.off('data', count);
      raw.off('end', ended);
      raw.off('close', closed);
      raw.off('error', closed);
      resolve(drained);
    };
    const count = (chunk: Buffer) => {
      read += chunk.length;
      if (read > LINGER_LIMIT_BYTES) {
        raw.pause();
        done(false);
      }
    };
    const ended = () => done(true);
    const closed = () => done(false);
    raw.on('data', count);
    raw.on('end', ended);
    raw.on('close', closed);
    raw.on('error', closed);
    raw.resume();
  });
}
