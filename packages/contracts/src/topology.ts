/**
 * Who may call whom: the one table of internal routes and their callers (ARCHITECTURE.md, "Security
 * model"). Every service port checks it (the kit's service auth): an internal route answers only the
 * services named here, never a user token and never the gateway's token for anonymous calls, which
 * opens public routes only. Caller names are OAuth2 client ids (`sub: service:<id>` of the token).
 */

/** The `mercato` command's own client (key rotation, dead letters). */
export const CLI_CLIENT = 'mercato';
/** The gateway's operator credential: gathers metrics, dead letters and OpenAPI documents, nothing else. */
export const GATEWAY_OPS_CLIENT = 'gateway-ops';

/**
 * The registry: an instance registers, heartbeats and deregisters only under its own client id (its
 * service name); these clients may also deregister any instance (the supervisor forgets a crashed child).
 */
export const REGISTRY_OPERATORS: readonly string[] = [CLI_CLIENT];

/** Paths every service has for operators: only these callers (and admin users) may read them. */
export const OPS_PATH_PREFIXES = ['/metrics', '/openapi.json', '/internal/dead-letters'] as const;
export const OPS_CALLERS: readonly string[] = [GATEWAY_OPS_CLIENT, CLI_CLIENT];

/** Per service: its internal route prefixes and the callers each one answers. */
export const INTERNAL_CALLERS: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  identity: { '/internal/keys/rotate': [CLI_CLIENT] },
  catalog: { '/internal/products/by-sku': ['cart', 'orders'] },
  inventory: { '/internal/reservations': ['orders'] },
  cart: { '/internal/carts': ['orders'] },
  orders: { '/internal/payment-tokens': ['payments'] },
};

function underPrefix(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/**
 * Which callers a path of `service` answers: `undefined` for a public path (any authenticated
 * caller), else the allowed client ids (an empty list: nobody). `path` is the routed pattern.
 */
export function allowedCallers(service: string, path: string): { callers: readonly string[]; ops: boolean } | undefined {
  if (OPS_PATH_PREFIXES.some((prefix) => underPrefix(path, prefix))) return { callers: OPS_CALLERS, ops: true };
  if (!underPrefix(path, '/internal')) return undefined;
  const routes = INTERNAL_CALLERS[service] ?? {};
  for (const [prefix, callers] of Object.entries(routes)) if (underPrefix(path, prefix)) return { callers, ops: false };
  return { callers: [], ops: false };
}
