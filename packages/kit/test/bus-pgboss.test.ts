import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { busContract } from './bus/contract.ts';

let busDatabase: TestDatabase | undefined;

busContract({
  name: 'pg-boss',
  env: (url) => ({ BUS_DATABASE_URL: url }),
  url: () => busDatabase?.url ?? '',
  async setup() {
    busDatabase = await createTestDatabase('bus');
  },
  async teardown() {
    await busDatabase?.drop();
  },
});
