export * from './auth-hook.ts';
export * from './basic-credentials.ts';
export * from './jwks-proof.ts';
export * from './principal.ts';
export * from './service-clients.ts';
export * from './service-tokens.ts';
export * from './token-verifier.ts';
