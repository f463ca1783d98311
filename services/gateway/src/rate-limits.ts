import rateLimit from '@fastify/rate-limit';
import { CommonProblems, HttpProblem } from '@mercato/kit';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface RateLimitBudgets {
  /** Requests per minute; 0 turns that limit off. */
  anonymous: number;
  user: number;
  auth: number;
}

interface Bucket {
  key: string;
  max: number;
}

/** The plugin asks for the key, the budget and the allow-list separately: decide once per request. */
const decided = new WeakMap<FastifyRequest, Bucket>();

function bucketOf(request: FastifyRequest, budgets: RateLimitBudgets): Bucket {
  const known = decided.get(request);
  if (known) return known;
  const bucket = chooseBucket(request, budgets);
  decided.set(request, bucket);
  return bucket;
}

/** Which budget a request spends: `/api/auth/*` per address, else per user when signed in, else per address. */
function chooseBucket(request: FastifyRequest, budgets: RateLimitBudgets): Bucket {
  if (request.url.startsWith('/api/auth/')) return { key: `auth:${request.ip}`, max: budgets.auth };
  if (request.principal?.kind === 'user') return { key: `user:${request.principal.userId}`, max: budgets.user };
  return { key: `ip:${request.ip}`, max: budgets.anonymous };
}

const EXEMPT = /^\/(health\/|metrics$)/;

/**
 * Per-IP, per-user and auth budgets with @fastify/rate-limit, counted in Redis when `REDIS_URL` is
 * set (so gateway replicas share them), else in process. Runs after edge auth (preHandler), so a
 * signed-in shopper is counted as a user. Over budget: 429 problem+json with `Retry-After`.
 */
export async function installRateLimits(app: FastifyInstance, budgets: RateLimitBudgets, redisUrl: string | undefined): Promise<void> {
  // Loaded only with REDIS_URL: the embedded default counts in memory and need not hold ioredis (ADR 0021).
  const redis = redisUrl
    ? new (await import('ioredis')).Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false })
    : undefined;
  redis?.on('error', (error) => app.log.warn({ err: error }, 'rate-limit store (Redis) unreachable'));
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    timeWindow: 60_000,
    nameSpace: 'mercato-rl:',
    redis,
    // A Redis outage must not take the shop down: requests pass uncounted until it is back.
    skipOnError: true,
    keyGenerator: (request) => bucketOf(request, budgets).key,
    max: (request) => bucketOf(request, budgets).max,
    allowList: (request) => EXEMPT.test(request.url) || bucketOf(request, budgets).max === 0,
    errorResponseBuilder: (_request, context) =>
      new HttpProblem(
        CommonProblems.tooManyRequests,
        `Over the budget of ${context.max} requests per minute; retry in ${Math.ceil(context.ttl / 1000)} s.`,
      ),
  });
  app.addHook('onClose', async () => {
    await redis?.quit().catch(() => undefined);
  });
}
