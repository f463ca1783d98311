import { Address } from '@mercato/contracts';
import { type DataCipher, type HttpApp, HttpProblem, requireUser } from '@mercato/kit';
import { Type } from 'typebox';
import { IdentityProblems } from '../errors.ts';
import type { IdentityStore, UserRow } from '../store.ts';
import { publicUser } from './public-user.ts';

/** Only these can change; roles and email cannot (any other field → 400). */
const ProfileChanges = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), address: Type.Optional(Type.Union([Address, Type.Null()])) },
  { additionalProperties: false },
);

export function meRoutes(app: HttpApp, deps: { store: IdentityStore; cipher: DataCipher }): void {
  const { store, cipher } = deps;
  const profile = (user: UserRow) => ({
    ...publicUser(user),
    ...(user.address_enc ? { address: JSON.parse(cipher.decrypt(user.address_enc)) as Address } : {}),
  });

  app.get('/api/me', { config: { access: 'user' } }, async (request) => {
    const { userId } = requireUser(request);
    const user = await store.userById(userId);
    if (!user) throw new HttpProblem(IdentityProblems.userGone, 'This account no longer exists.');
    return profile(user);
  });

  app.patch('/api/me', { config: { access: 'user' }, schema: { body: ProfileChanges } }, async (request) => {
    const { userId } = requireUser(request);
    const changes = request.body;
    const addressEnc =
      changes.address === undefined ? undefined : changes.address === null ? null : cipher.encrypt(JSON.stringify(changes.address));
    const user = await store.updateProfile(userId, { name: changes.name?.trim(), addressEnc });
    if (!user) throw new HttpProblem(IdentityProblems.userGone, 'This account no longer exists.');
    return profile(user);
  });
}
