/**
 * The topology: which processes make up Mercato, in the order `mercato up` starts them, what each owns,
 * what the gateway routes to it and who may call its internal routes. Plain data, read by the
 * supervisor (`packages/cli/src/topology.ts`), the kit (`SERVICE_NAMES`: discovery, the gateway's
 * health and ops views, token audiences), the gateway's route table and every service port's caller
 * check (`allowedCallers`, ARCHITECTURE.md "Security model"). Adding a service: a folder
 * `services/<name>/` with `src/main.ts`, and one entry here (README.md, "Adding a service").
 */

/** The `mercato` command's own client (key rotation, dead letters). */
export const CLI_CLIENT = 'mercato';
/** The gateway's operator credential: gathers metrics, dead letters and OpenAPI documents, nothing else. */
export const GATEWAY_OPS_CLIENT = 'gateway-ops';

/**
 * What a process is to the platform, which is also its start phase:
 * - `registry`: starts first, alone, on `MERCATO_REGISTRY_PORT` or a free port that it keeps across
 *   restarts; every other process registers with it and is told its URL.
 * - `service`: a business service; they start together once the registry is ready, each registers
 *   itself and is found through discovery, gets the event bus and a client credential.
 * - `gateway`: the public entry; starts last, once every service is ready and the demo store is seeded.
 */
export type ProcessRole = 'registry' | 'service' | 'gateway';

/** A secret `mercato up` hands a process in an env variable (generated once into `<data>/secrets.json`). */
export type SuppliedSecret =
  /** The AES-256 key(s) for data at rest: `MERCATO_DATA_KEY` of the supervisor's environment, else the generated one. */
  | 'data-key'
  /** Every client id → SHA-256 of its secret (never the secrets): to check client credentials. */
  | 'client-secret-hashes'
  /** The `gateway-ops` client's secret. */
  | 'ops-client-secret';

export interface ProcessEntry {
  /** Its folder `services/<name>/`, its process, its OAuth2 client id and discovery name, its `<prefix>_<name>` database. */
  readonly name: string;
  readonly role: ProcessRole;
  /** Owns a PostgreSQL database: `mercato up` provisions it and hands it over as `<NAME>_DATABASE_URL` (unless that is set). */
  readonly database: boolean;
  /** Listens on the port this variable says (`default` when unset), passed on under the same name; else on a free port. */
  readonly port?: { readonly variable: string; readonly default: number };
  /** Env variables `mercato up` fills with a secret, beyond the process's own client credential. */
  readonly secrets: Readonly<Record<string, SuppliedSecret>>;
  /** Public path prefixes the gateway forwards to it (API.md); a prefix covers itself and everything below it. */
  readonly publicPrefixes: readonly string[];
  /** Its internal route prefixes, each with the client ids it answers (no one else: not a user, not the gateway). */
  readonly internalRoutes: Readonly<Record<string, readonly string[]>>;
}

/** Every process, in start order (the roles' order; processes of one role start together). */
export const TOPOLOGY = [
  {
    name: 'registry',
    role: 'registry',
    database: false,
    // Only a service holding its own credential may register, and only as itself (ADR 0014).
    secrets: { REGISTRY_SERVICE_CLIENTS: 'client-secret-hashes' },
    publicPrefixes: [],
    internalRoutes: {},
  },
  {
    name: 'identity',
    role: 'service',
    database: true,
    // Encrypts addresses and its signing keys; checks the client credentials of every service.
    secrets: { MERCATO_DATA_KEY: 'data-key', IDENTITY_SERVICE_CLIENTS: 'client-secret-hashes' },
    publicPrefixes: ['/api/auth', '/api/me', '/.well-known/jwks.json'],
    internalRoutes: { '/internal/keys/rotate': [CLI_CLIENT] },
  },
  {
    name: 'catalog',
    role: 'service',
    database: true,
    secrets: {},
    publicPrefixes: ['/api/products', '/api/categories', '/media'],
    internalRoutes: { '/internal/products/by-sku': ['cart', 'orders'], '/internal/products/summaries': ['recommendations'] },
  },
  {
    name: 'inventory',
    role: 'service',
    database: true,
    secrets: {},
    publicPrefixes: ['/api/inventory', '/api/admin/inventory'],
    internalRoutes: { '/internal/reservations': ['orders'] },
  },
  {
    name: 'cart',
    role: 'service',
    database: true,
    secrets: {},
    publicPrefixes: ['/api/cart'],
    internalRoutes: { '/internal/carts': ['orders'] },
  },
  {
    name: 'orders',
    role: 'service',
    database: true,
    // Shipping addresses and phone numbers are encrypted at rest with the same key(s) as identity's.
    secrets: { MERCATO_DATA_KEY: 'data-key' },
    publicPrefixes: ['/api/orders', '/api/admin/orders'],
    internalRoutes: { '/internal/payment-tokens': ['payments'] },
  },
  {
    name: 'payments',
    role: 'service',
    database: true,
    secrets: {},
    publicPrefixes: ['/api/admin/payments'],
    internalRoutes: {},
  },
  {
    name: 'recommendations',
    role: 'service',
    database: true,
    secrets: {},
    publicPrefixes: ['/api/recommendations'],
    internalRoutes: {},
  },
  {
    name: 'gateway',
    role: 'gateway',
    database: false,
    port: { variable: 'GATEWAY_PORT', default: 8080 },
    // Its operator credential: metrics, dead letters and OpenAPI documents, never the anonymous-call token.
    secrets: { MERCATO_OPS_CLIENT_SECRET: 'ops-client-secret' },
    publicPrefixes: [],
    internalRoutes: {},
  },
] as const satisfies readonly ProcessEntry[];

/** The name of a process whose entry has `role`, as a literal type (`NameOfRole<'service'>`: `'identity' | 'catalog' | …`). */
export type NameOfRole<R extends ProcessRole> = Extract<(typeof TOPOLOGY)[number], { role: R }>['name'];
export type EntryOfRole<R extends ProcessRole> = ProcessEntry & { readonly role: R; readonly name: NameOfRole<R> };

/** The processes of one role, in start order. */
export function processesOf<R extends ProcessRole>(role: R): readonly EntryOfRole<R>[] {
  const all: readonly ProcessEntry[] = TOPOLOGY;
  return all.filter((entry): entry is EntryOfRole<R> => entry.role === role);
}

/**
 * The registry: an instance registers, heartbeats and deregisters only under its own client id (its
 * service name); these clients may also deregister any instance (the supervisor forgets a crashed child).
 */
export const REGISTRY_OPERATORS: readonly string[] = [CLI_CLIENT];

/** Paths every service has for operators: only these callers (and admin users) may read them. */
export const OPS_PATH_PREFIXES = ['/metrics', '/openapi.json', '/internal/dead-letters', '/internal/traces'] as const;
export const OPS_CALLERS: readonly string[] = [GATEWAY_OPS_CLIENT, CLI_CLIENT];

/** Per service: its internal route prefixes and the callers each one answers (from `TOPOLOGY`). */
export const INTERNAL_CALLERS: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = Object.fromEntries(
  TOPOLOGY.map((entry: ProcessEntry) => [entry.name, entry.internalRoutes]),
);

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
