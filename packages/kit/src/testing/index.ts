export * from './inject-json.ts';
export * from './observer.ts';
export * from './query-plans.ts';
export * from './raw-http.ts';
export * from './tcp-proxy.ts';
export * from './test-database.ts';
export * from './test-issuer.ts';
export * from './wait.ts';
