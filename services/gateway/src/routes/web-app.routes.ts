import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import { CommonProblems, type HttpApp, sendProblem } from '@mercato/kit';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { forwardToLegacy } from '../legacy-upstream.ts';
import { decodedPath, isPagePath, isPlatformPath, PAGE_ROUTES } from '../web-paths.ts';

/** The methods a legacy app is sent; OPTIONS stays the gateway's own (CORS preflights, @fastify/cors). */
const LEGACY_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
const HTML = 'text/html; charset=utf-8';
const NOT_BUILT = 'The web app is not built: run `npm run build -w @mercato/web`, then restart the gateway.';

/** The built app's one page, and its ETag. */
export interface WebAppPage {
  html: Buffer;
  etag: string;
}

/**
 * Reads `index.html` once, at start: every page answers the same bytes, from memory. A rebuild is
 * served after a restart (`mercato up` rebuilds a stale app before it starts the gateway). When it is
 * missing the gateway still starts, says so once, and the pages answer 503 until then.
 */
export function loadWebAppPage(dir: string, log: Pick<FastifyBaseLogger, 'warn'>): WebAppPage | undefined {
  const file = join(dir, 'index.html');
  let html: Buffer;
  try {
    html = readFileSync(file);
  } catch (error) {
    log.warn(
      { file, code: (error as { code?: string }).code },
      `the web app is not built (no ${file}): run \`npm run build -w @mercato/web\` and restart; pages answer 503 until then`,
    );
    return undefined;
  }
  // A strong validator: the bytes' hash, so a reload after a deploy of the same build is a 304.
  return { html, etag: `"${createHash('sha256').update(html).digest('base64url').slice(0, 32)}"` };
}

/** RFC 9110 §13.1.2: If-None-Match compares weakly and `*` matches any current representation. */
function notModified(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const candidate = tag.trim();
    return candidate === '*' || candidate === etag || candidate === `W/${etag}`;
  });
}

export interface WebAppOptions {
  /** The built app: `index.html` and `assets/`. */
  dir: string;
  /** `MERCATO_LEGACY_URL` as legacy-upstream.ts's `legacyBase` reads it. */
  legacyBase?: string;
}

/**
 * The web app (API.md "The web app"): its pages answer `index.html` whatever the query string (the
 * app routes in the browser, so a deep link or a reload works), its hashed files are cached for a
 * year, and any other path outside the platform's namespaces is the app's "not found" page (404), or
 * the legacy app's when `MERCATO_LEGACY_URL` is set. The strict Content-Security-Policy comes from
 * security-headers.ts like on every answer; the canonical-path check and edge auth run before, as
 * for every path.
 */
export async function webAppRoutes(app: HttpApp, options: WebAppOptions): Promise<void> {
  const page = loadWebAppPage(options.dir, app.log);
  const sendPage = (reply: FastifyReply, status: 200 | 404) => {
    if (!page) return sendProblem(reply, CommonProblems.serviceUnavailable, NOT_BUILT);
    // no-cache: the browser revalidates every time (a 304 with the ETag), so a new build shows on the next load.
    return reply.code(status).header('cache-control', 'no-cache').type(HTML).send(page.html);
  };

  const pageHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    if (page && notModified(request.headers['if-none-match'], page.etag))
      return reply.code(304).header('cache-control', 'no-cache').header('etag', page.etag).send();
    if (page) reply.header('etag', page.etag);
    return sendPage(reply, 200);
  };
  // Any query string: the app reads it, the gateway does not (the kit refuses unknown parameters otherwise).
  for (const url of PAGE_ROUTES)
    app.route({ method: ['GET', 'HEAD'], url, handler: pageHandler, config: { anyQuery: true, untraced: true }, schema: { hide: true } });

  const assets = join(options.dir, 'assets');
  if (existsSync(assets)) {
    await app.register(fastifyStatic, {
      root: assets,
      prefix: '/assets/',
      decorateReply: false,
      index: false,
      redirect: false,
      dotfiles: 'ignore',
      // A folder is not an asset: 404 like a missing file (send would answer 403).
      allowedPath: (pathname) => !pathname.endsWith('/'),
      // Every built file's name carries a hash of its content: a new build makes new names.
      maxAge: '365d',
      immutable: true,
      // The build writes `.br` and `.gz` beside each text file: sent to a client that accepts them, with Vary.
      preCompressed: true,
    });
  }

  const legacyBase = options.legacyBase;
  // Everything no other route matched. The platform's namespaces keep the kit's problem+json 404 (an
  // unknown `/api/…`, a missing asset, `/internal/…`), and so does a method other than GET or HEAD on
  // a page; the rest is the legacy app's, or the web app's "not found" page.
  app.route({
    method: legacyBase ? LEGACY_METHODS : ['GET', 'HEAD'],
    url: '/*',
    config: { anyQuery: true },
    schema: { hide: true },
    handler: async (request, reply) => {
      const path = decodedPath(request.url);
      if (path === undefined || isPlatformPath(path) || isPagePath(path)) return reply.callNotFound();
      if (legacyBase) return forwardToLegacy(request, reply, legacyBase);
      if (!page) return reply.callNotFound();
      return sendPage(reply, 404);
    },
  });
}
