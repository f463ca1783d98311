/** `aud` of shoppers' and staff's access tokens: the public API. Service tokens carry the callee's name. */
export const USER_AUDIENCE = 'mercato-api';
/** Access tokens (user and service) live this long. */
export const ACCESS_TOKEN_SECONDS = 15 * 60;

/** Who is calling, as a verified access token says. */
export type Principal =
  | { kind: 'user'; userId: string; roles: string[]; token: string }
  | { kind: 'service'; service: string; token: string };

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook once the bearer token is verified; undefined on public paths. */
    principal?: Principal;
  }
}
