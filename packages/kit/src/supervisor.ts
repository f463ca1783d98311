/**
 * `@mercato/kit/supervisor`: what `mercato up` needs of the kit, from files that import nothing, so the
 * supervisor — running for as long as the shop does — never loads Fastify, TypeBox or Kysely (ADR 0021).
 */
export { basicAuthorization, type ClientCredentials, readBasicAuthorization } from './auth/basic-credentials.ts';
export { readInternalTls } from './http/internal-tls.ts';
export type { ChildReadyMessage } from './main.ts';
export { databaseUrlVariable } from './service/database-url-variable.ts';
