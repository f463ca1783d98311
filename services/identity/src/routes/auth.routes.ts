import { type HttpApp, HttpProblem, traceparentOf, uuidv7 } from '@mercato/kit';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ACCOUNT_FAILURE_LIMIT, ADDRESS_FAILURE_LIMIT, lockAfterFailure, secondsLocked } from '../domain/lockout.ts';
import { IdentityProblems } from '../errors.ts';
import { decoyHash, hashPassword, verifyPassword } from '../passwords.ts';
import type { Sessions } from '../sessions.ts';
import type { IdentityStore } from '../store.ts';
import { publicUser } from './public-user.ts';

const Email = Type.String({ format: 'email', maxLength: 254 });
const Credentials = Type.Object({ email: Email, password: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false });
const Registration = Type.Object(
  { email: Email, password: Type.String({ minLength: 10, maxLength: 256 }), name: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);
const RefreshBody = Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

/** The shopper's address: the gateway's `x-forwarded-for` when the gateway calls, else the socket's. */
function clientAddress(request: FastifyRequest): string {
  const forwarded = request.headers['x-forwarded-for'];
  if (request.principal?.kind === 'service' && request.principal.service === 'gateway' && typeof forwarded === 'string') {
    return forwarded.split(',')[0]?.trim() || request.ip;
  }
  return request.ip;
}

export function authRoutes(app: HttpApp, deps: { store: IdentityStore; sessions: Sessions }): void {
  const { store, sessions } = deps;

  app.post('/api/auth/register', { schema: { body: Registration } }, async (request, reply) => {
    const { body } = request;
    const email = body.email.trim().toLowerCase();
    const user = { id: uuidv7(), email, name: body.name.trim(), passwordHash: await hashPassword(body.password), roles: ['customer'] };
    const result = await store.db.transaction().execute(async (tx) => {
      const traceparent = traceparentOf(request);
      if ((await store.registerUser(tx, user, traceparent)) === 'email_taken') return undefined;
      return sessions.start(tx, user);
    });
    if (!result) throw new HttpProblem(IdentityProblems.emailTaken, 'An account with this email exists; sign in instead.');
    return reply.code(201).send({ user: publicUser(user), ...result });
  });

  app.post('/api/auth/login', { schema: { body: Credentials } }, async (request, reply) => {
    const { body } = request;
    const email = body.email.trim().toLowerCase();
    const accountKey = `account:${email}`;
    const addressKey = `ip:${clientAddress(request)}`;
    const now = new Date();
    const [accountState, addressState] = await Promise.all([store.failureState(accountKey), store.failureState(addressKey)]);
    const wait = Math.max(secondsLocked(accountState, now), secondsLocked(addressState, now));
    if (wait > 0) {
      throw new HttpProblem(IdentityProblems.lockedOut, `Too many failed sign-ins; try again in ${wait} s.`, {
        headers: { 'retry-after': String(wait) },
      });
    }
    const user = await store.userByEmail(email);
    // Unknown email: verify against a decoy so both answers take the same time.
    let ok = false;
    if (user) ok = await verifyPassword(user.password_hash, body.password);
    else await verifyPassword(await decoyHash(), body.password);
    if (!user || !ok) {
      const [account, address] = await Promise.all([store.countFailure(accountKey), store.countFailure(addressKey)]);
      const accountLock = lockAfterFailure(account, ACCOUNT_FAILURE_LIMIT, now);
      const addressLock = lockAfterFailure(address, ADDRESS_FAILURE_LIMIT, now);
      if (accountLock) await store.lock(accountKey, accountLock);
      if (addressLock) await store.lock(addressKey, addressLock);
      throw new HttpProblem(IdentityProblems.badCredentials, 'The email or the password is wrong.');
    }
    await Promise.all([store.resetFailures(accountKey), store.decayFailures(addressKey)]);
    const session = await store.db.transaction().execute((tx) => sessions.start(tx, user));
    return reply.send({ ...session, user: publicUser(user) });
  });

  app.post('/api/auth/refresh', { schema: { body: RefreshBody } }, async (request) => {
    return sessions.refresh(request.body.refreshToken);
  });

  app.post('/api/auth/logout', { schema: { body: RefreshBody } }, async (request, reply) => {
    await sessions.end(request.body.refreshToken);
    return reply.code(204).send();
  });
}
