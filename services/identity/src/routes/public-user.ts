import type { UserRow } from '../store.ts';

/** A user as the API shows it (API.md): never the hash, never the ciphertext. */
export function publicUser(user: Pick<UserRow, 'id' | 'email' | 'name' | 'roles'>) {
  return { id: user.id, email: user.email, name: user.name, roles: user.roles };
}
