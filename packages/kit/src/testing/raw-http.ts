import { connect } from 'node:net';

export interface RawAnswer {
  status: number;
  /** The status line and headers, as sent. */
  head: string;
  contentType: string;
  body: string;
  /** From the first byte written until the server closed the connection. */
  ms: number;
}

/**
 * Writes `bytes` to a TCP connection exactly as given (no HTTP client would send most of what tests
 * need: backslashes, bad encodings, conflicting lengths) and reads until the server closes. With
 * `trickleMs`, one more space goes out at that interval: a client too slow to finish its request.
 */
export function rawHttp(port: number, bytes: string, options: { trickleMs?: number } = {}): Promise<RawAnswer> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => {
      data += chunk;
    });
    socket.on('error', reject);
    const timer = options.trickleMs ? setInterval(() => socket.writable && socket.write(' '), options.trickleMs) : undefined;
    socket.on('close', () => {
      clearInterval(timer);
      const [head = '', body = ''] = data.split('\r\n\r\n');
      const contentType = /content-type: ([^\r\n]+)/i.exec(head)?.[1] ?? '';
      resolve({ status: Number(head.split(' ')[1]), head, contentType, body, ms: Date.now() - started });
    });
    socket.write(bytes);
  });
}
