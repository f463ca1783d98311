export * from './test-database.ts';
export * from './wait.ts';
