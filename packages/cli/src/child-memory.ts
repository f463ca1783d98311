import { fileURLToPath } from 'node:url';

/**
 * How much memory each Node process of `mercato up` may hold, and what it is spared (issue 9).
 * Measured on an idle platform just started (`/proc/<pid>/smaps_rollup`, Node 24.21, 2 cores, 24 GiB),
 * every child held 105–125 MiB PSS before these settings, of which
 * - up to 64 MiB was V8's young generation: it grows its semi-spaces to 32 MiB each while the modules
 *   load and under load, and gives them back only after a minute or two of idling;
 * - 8–10 MiB was the TypeScript stripper (amaro, a WebAssembly build of swc) that Node loads for the
 *   first `.ts` file and never unloads;
 * - 10–16 MiB were glibc malloc arenas holding freed blocks.
 */

/** A service on the path of a shopper's requests and of the checkout's events. */
const REQUEST_PATH = new Set(['gateway', 'catalog', 'cart', 'orders', 'payments', 'inventory']);

/**
 * The young generation's cap per semi-space, in MiB. A scavenge costs what survives it, not the
 * space's size, but a small space is scavenged more often and promotes more of what is still in
 * flight. In the checkout bench (15 s measured) orders ran 8 scavenges at V8's 32 MiB, 30 at 8,
 * 84 at 4 and 132 at 2; 4 MiB (with a 256 MiB old space) cost 2–3 % of orders/s over five
 * interleaved pairs of runs, 8 MiB nothing measurable over three (19.8 vs 18.8 orders/s, within the
 * noise). 8 MiB leaves 16 MiB of young generation per process instead of 64. The quiet processes
 * (the registry's heartbeats, identity's logins, recommendations) allocate little: 2 MiB.
 */
const SEMI_SPACE_MIB = { requestPath: 8, quiet: 2 } as const;

/**
 * The old generation's limit, in MiB, for the quiet processes only: their old space holds 25–40 MiB,
 * and 256 MiB bounds a leak (that process crashes and is restarted, instead of the machine paging).
 * Not for the request-path services: below 2 GiB V8 lets the old generation grow less between full
 * collections: with 256 MiB on every service, one instrumented checkout bench paused 2.3 times as long
 * in full collections for ~70 MiB less PSS right after the load, which V8's memory reducer returns
 * anyway once idle (docs/adr/0021).
 */
const QUIET_OLD_SPACE_MIB = 256;

/** Node's flags for one child: the heap sizes above, except a flag NODE_OPTIONS already sets. */
export function nodeFlagsFor(processName: string, env: NodeJS.ProcessEnv): string[] {
  const onRequestPath = REQUEST_PATH.has(processName.split('#')[0] ?? processName);
  const flags: [string, number | undefined][] = [
    ['--max-semi-space-size', onRequestPath ? SEMI_SPACE_MIB.requestPath : SEMI_SPACE_MIB.quiet],
    ['--max-old-space-size', onRequestPath ? undefined : QUIET_OLD_SPACE_MIB],
  ];
  // A flag on the command line would override NODE_OPTIONS: a user's own setting has to win.
  const own = env.NODE_OPTIONS ?? '';
  return flags.filter(([flag, mib]) => mib !== undefined && !own.includes(flag)).map(([flag, mib]) => `${flag}=${mib}`);
}

/**
 * Where Node keeps the compiled form of every module a process loads, across starts and data
 * directories. With it warm, a process strips no TypeScript, so it never loads amaro (8–10 MiB per
 * process), and it compiles less on the way up. An entry is checked against the file's contents, so a
 * changed file is compiled again. Beside the dependencies, like other tools' caches.
 */
export const COMPILE_CACHE_DIR = fileURLToPath(new URL('../../../node_modules/.cache/node-compile-cache', import.meta.url));

/**
 * glibc's malloc maps a block of this size or more on its own and unmaps it when it is freed. Its
 * default starts at 128 KiB too but rises to the largest block freed so far, after which such blocks
 * are carved from the arenas and stay there: fixing it spared 5–10 MiB per idle child. Other C
 * libraries ignore the variable.
 */
const MALLOC_MMAP_THRESHOLD_BYTES = 128 * 1024;

/** The environment every child gets on top of the supervisor's own; a variable the user set wins. */
export function childMemoryEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    NODE_COMPILE_CACHE: env.NODE_COMPILE_CACHE ?? COMPILE_CACHE_DIR,
    MALLOC_MMAP_THRESHOLD_: env.MALLOC_MMAP_THRESHOLD_ ?? String(MALLOC_MMAP_THRESHOLD_BYTES),
  };
}

/**
 * Flags for the supervisor itself, for the commands that start it (`npm start`, `launchPlatform`):
 * it allocates little once its children run, so the smallest young generation.
 */
export const SUPERVISOR_NODE_FLAGS = ['--max-semi-space-size=1'] as const;
