import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One small image (a 160×90 SVG, under 300 bytes), so the page's largest paint may be an image or its heading. */
const IMAGE = `<svg xmlns="http://www.w3.org/2000/svg" width="160" height="90" viewBox="0 0 160 90"><rect width="160" height="90" fill="#2f6f4e"/><circle cx="80" cy="45" r="28" fill="#f4efe6"/></svg>`;

/** The least a well-formed page needs (language, title, viewport, description): what a page can score with nothing in it. */
const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="A bare static page: the Lighthouse baseline of the web bench.">
<title>Baseline</title>
</head>
<body>
<main>
<h1>A bare static page</h1>
<img src="/image.svg" alt="A light circle on green" width="160" height="90">
</main>
</body>
</html>
`;

const FILES: Record<string, { type: string; body: string }> = {
  '/': { type: 'text/html; charset=utf-8', body: HTML },
  '/image.svg': { type: 'image/svg+xml', body: IMAGE },
  // Chromium asks for it; a 404 would be logged as a console error, which best practices counts.
  '/favicon.ico': { type: 'image/svg+xml', body: IMAGE },
};

/** The web bench's baseline: a bare static page (one heading, one small image) from node:http on 127.0.0.1. */
export async function startStaticPage(): Promise<{ url: string; stop(): Promise<void> }> {
  const server = createServer((request, response) => {
    const file = FILES[(request.url ?? '/').split('?')[0] ?? '/'];
    if (!file) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': file.type, 'content-length': Buffer.byteLength(file.body), 'cache-control': 'no-cache' });
    response.end(request.method === 'HEAD' ? undefined : file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
