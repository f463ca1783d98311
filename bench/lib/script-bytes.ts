import { promisify } from 'node:util';
import { constants, gzip } from 'node:zlib';
import { request } from 'undici';

const gzipAsync = promisify(gzip);
/** What a browser offers (Chromium sends this, plus zstd). */
const BROWSER_ENCODINGS = 'gzip, deflate, br';

export interface ScriptBytes {
  /** The body as the server holds it (asked for with `accept-encoding: identity`). */
  bytes: number;
  /** Those bytes through node:zlib gzip at its default level (6), as a server compressing on the fly would send them. */
  gzipBytes: number;
  /** The content-encoding the server answers a browser's accept-encoding with ('none' when it sends the bytes as they are). */
  sentEncoding: string;
}

/**
 * Fetches each script again and gzips its body, so a page's JavaScript has a compressed size even when
 * the server sends it uncompressed; remembers every URL, since pages share their bundles.
 */
export function scriptSizer(): (url: string) => Promise<ScriptBytes> {
  const known = new Map<string, Promise<ScriptBytes>>();
  return (url) => {
    let sizes = known.get(url);
    if (!sizes) {
      sizes = measure(url);
      known.set(url, sizes);
    }
    return sizes;
  };
}

async function measure(url: string): Promise<ScriptBytes> {
  const plain = await request(url, { headers: { 'accept-encoding': 'identity' } });
  const body = Buffer.from(await plain.body.arrayBuffer());
  if (plain.statusCode !== 200) throw new Error(`GET ${url} answered ${plain.statusCode}`);
  const asBrowser = await request(url, { headers: { 'accept-encoding': BROWSER_ENCODINGS } });
  await asBrowser.body.dump();
  const encoding = asBrowser.headers['content-encoding'];
  const gzipped = await gzipAsync(body, { level: constants.Z_DEFAULT_COMPRESSION });
  return { bytes: body.length, gzipBytes: gzipped.length, sentEncoding: typeof encoding === 'string' && encoding ? encoding : 'none' };
}
