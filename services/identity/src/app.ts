import { DataCipher, ServiceClients, type ServiceDefinition } from '@mercato/kit';
import { Type } from 'typebox';
import { ensureFirstAdmin } from './first-admin.ts';
import { authRoutes } from './routes/auth.routes.ts';
import { meRoutes } from './routes/me.routes.ts';
import { tokenRoutes } from './routes/tokens.routes.ts';
import { Sessions } from './sessions.ts';
import { SigningKeys } from './signing-keys.ts';
import { IdentityStore } from './store.ts';

const IdentityConfig = Type.Object({
  /** Base64 32-byte AES keys, comma separated, the first one current. `mercato up` generates one into the data dir. */
  MERCATO_DATA_KEY: Type.String({ minLength: 44 }),
  MERCATO_ADMIN_EMAIL: Type.Optional(Type.String({ format: 'email' })),
  MERCATO_ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: 10, maxLength: 256 })),
  /** `{ "<client id>": "<sha256 hex of its secret>" }` for OAuth2 client credentials. */
  IDENTITY_SERVICE_CLIENTS: Type.Optional(Type.String()),
});

/** Identity: users, password hashes, refresh tokens, encrypted addresses, signing keys, service clients. */
export function identityDefinition(): ServiceDefinition<(typeof IdentityConfig)['properties']> {
  let keys: SigningKeys | undefined;
  let store: IdentityStore | undefined;
  return {
    name: 'identity',
    config: IdentityConfig,
    migrations: new URL('./migrations/', import.meta.url),
    publicPaths: ['/.well-known/jwks.json', '/oauth/token'],
    // Identity verifies with its own keys, not over HTTP.
    jwks: () => async () => {
      if (!keys) throw new Error('identity keys are not loaded yet');
      return keys.jwks();
    },
    routes(app, { config, database, outbox }) {
      if (!database || !outbox) throw new Error('identity needs its database');
      const cipher = new DataCipher(config.MERCATO_DATA_KEY.split(',').map((k) => k.trim()));
      store = new IdentityStore(database.db);
      keys = new SigningKeys(database.db, cipher, config.MERCATO_ISSUER);
      const sessions = new Sessions(store, keys);
      authRoutes(app, { store, sessions, outbox });
      meRoutes(app, { store, cipher });
      tokenRoutes(app, { keys, clients: new ServiceClients(config.IDENTITY_SERVICE_CLIENTS) });
    },
    async beforeListen({ config, log }) {
      if (!keys || !store) return;
      await keys.load();
      await ensureFirstAdmin(store, log, { email: config.MERCATO_ADMIN_EMAIL, password: config.MERCATO_ADMIN_PASSWORD });
    },
  };
}
