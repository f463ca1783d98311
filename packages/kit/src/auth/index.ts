export * from './auth-hook.ts';
export * from './principal.ts';
export * from './service-tokens.ts';
export * from './token-verifier.ts';
