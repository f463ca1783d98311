/**
 * Who answers a path at the gateway (API.md "The web app"): the platform itself (the API and its own
 * endpoints), the web app (its pages and built files), or, for every other path, the legacy app when
 * `MERCATO_LEGACY_URL` is set and the web app's "not found" page when it is not.
 */

/**
 * First segments the platform answers itself: an unknown path below one of them is a problem+json
 * 404, never the app's page and never forwarded. API.md names `/api/`, `/health/`, `/media/` and
 * `/.well-known/`; `/internal`, `/oauth` and `/openapi.json` are the services' own and never
 * reachable through the gateway; `/assets` holds the app's built files (a missing one is a 404).
 */
const PLATFORM_SEGMENTS = new Set(['api', 'health', 'media', '.well-known', 'internal', 'oauth', 'openapi.json', 'assets']);
/** API.md writes these two without a trailing slash: `/docs…` and `/metrics…` are the platform's. */
const PLATFORM_PREFIXES = ['/docs', '/metrics'];

/** The web app's pages (API.md): exactly these paths, … */
const PAGES_EXACT = ['/', '/search', '/cart', '/checkout', '/sign-in', '/sign-up'];
/** … anything below these (`/products/…`: a bare `/products` is not a page, and may be the legacy app's), … */
const PAGES_BELOW = ['/products', '/categories'];
/**
 * … and these with anything below them (`/account…`). API.md writes `/orders/…`, but the app's
 * "my orders" list is the bare `/orders` (web/src/app.tsx): a reload there must be the page, not a
 * 404 or, worse, the legacy app's.
 */
const PAGES_AND_BELOW = ['/orders', '/account', '/admin', '/ops'];

/** The page paths as Fastify route URLs. */
export const PAGE_ROUTES: readonly string[] = [
  ...PAGES_EXACT,
  ...PAGES_BELOW.map((page) => `${page}/*`),
  ...PAGES_AND_BELOW.flatMap((page) => [page, `${page}/*`]),
];

/**
 * The path of a request URL, without its query string and percent-decoded, so `/%61pi/x` is read as
 * `/api/x` (as the router matches it). The canonical-path check has already refused what does not
 * decode; undefined if it still does not.
 */
export function decodedPath(url: string): string | undefined {
  const query = url.indexOf('?');
  try {
    return decodeURIComponent(query === -1 ? url : url.slice(0, query));
  } catch {
    return undefined;
  }
}

/** A path below the platform's own namespaces. */
export function isPlatformPath(path: string): boolean {
  const first = path.slice(1).split('/', 1)[0] ?? '';
  return PLATFORM_SEGMENTS.has(first) || PLATFORM_PREFIXES.some((prefix) => path.startsWith(prefix));
}

/** A path of one of the web app's pages. */
export function isPagePath(path: string): boolean {
  return (
    PAGES_EXACT.includes(path) ||
    PAGES_BELOW.some((page) => path.startsWith(`${page}/`)) ||
    PAGES_AND_BELOW.some((page) => path === page || path.startsWith(`${page}/`))
  );
}

/** A path neither the platform nor the web app owns: the legacy app's, when one is configured. */
export function isLegacyPath(url: string): boolean {
  const path = decodedPath(url);
  return path !== undefined && !isPlatformPath(path) && !isPagePath(path);
}
