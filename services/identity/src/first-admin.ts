import { randomBytes } from 'node:crypto';
import { type Logger, uuidv7 } from '@mercato/kit';
import { hashPassword } from './passwords.ts';
import type { IdentityStore } from './store.ts';

/**
 * The first admin, when there is none: from MERCATO_ADMIN_EMAIL / MERCATO_ADMIN_PASSWORD, else
 * generated and printed once (it is never shown again).
 */
export async function ensureFirstAdmin(store: IdentityStore, log: Logger, env: { email?: string; password?: string }): Promise<void> {
  if (await store.anyAdmin()) return;
  const email = (env.email ?? 'admin@mercato.local').trim().toLowerCase();
  const generated = env.password === undefined;
  const password = env.password ?? randomBytes(12).toString('base64url');
  const user = { id: uuidv7(), email, name: 'Administrator', passwordHash: await hashPassword(password), roles: ['admin', 'customer'] };
  const created = await store.db.transaction().execute((tx) => store.insertUser(tx, user));
  if (created === 'email_taken') {
    log.warn({ email }, 'MERCATO_ADMIN_EMAIL belongs to an existing account that is not an admin; no admin was created');
    return;
  }
  if (generated) {
    // warn, so it shows at the default log level; printed this once.
    log.warn(`first admin created: ${email} with password ${password} (shown once; set MERCATO_ADMIN_PASSWORD to choose it)`);
  } else {
    log.info({ email }, 'first admin created from MERCATO_ADMIN_EMAIL');
  }
}
