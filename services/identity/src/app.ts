import { DataCipher, defineService, ServiceClients } from '@mercato/kit';
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
export function identityDefinition() {
  return defineService({
    name: 'identity',
    config: IdentityConfig,
    migrations: new URL('./migrations/', import.meta.url),
    publicPaths: ['/.well-known/jwks.json', '/oauth/token'],
    setup({ config, database, outbox }) {
      const cipher = DataCipher.fromKeyList(config.MERCATO_DATA_KEY);
      const store = new IdentityStore(database.db, outbox);
      const keys = new SigningKeys(database.db, cipher, config.MERCATO_ISSUER);
      return { cipher, store, keys, sessions: new Sessions(store, keys), clients: new ServiceClients(config.IDENTITY_SERVICE_CLIENTS) };
    },
    // Identity verifies with its own keys, not over HTTP.
    jwks:
      ({ keys }) =>
      async () =>
        keys.jwks(),
    routes(app, { store, sessions, keys, cipher, clients }) {
      authRoutes(app, { store, sessions });
      meRoutes(app, { store, cipher });
      tokenRoutes(app, { keys, clients });
    },
    async beforeListen({ keys, store }, { config, log }) {
      await keys.load();
      await ensureFirstAdmin(store, log, { email: config.MERCATO_ADMIN_EMAIL, password: config.MERCATO_ADMIN_PASSWORD });
    },
  });
}
