import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuthorizePayment, CapturePayment } from '@mercato/contracts';
import { createService, type Service, sql } from '@mercato/kit';
import { createTestDatabase, type TestDatabase, waitFor } from '@mercato/kit/testing';
import { paymentsDefinition } from '../src/app.ts';
import type { PaymentProvider } from '../src/providers/payment-provider.ts';
import { startObserver } from './fixtures/observer.ts';

let database: TestDatabase;
let bus: Awaited<ReturnType<typeof startObserver>>;
const instances: Service[] = [];
/** Provider calls in flight across both instances, and the most seen at once. */
let inFlight = 0;
let maxInFlight = 0;
/** Which instance is calling the provider with an idempotency key right now. */
const callingWith = new Map<string, string>();
/** Calls that started while another instance was calling with the same key. */
let overlaps = 0;

/** Watches the calls one instance makes to the real (sandbox) provider. */
function watching(instance: string) {
  return (provider: PaymentProvider): PaymentProvider => {
    const around =
      <A extends unknown[], R>(call: (...args: A) => Promise<R>, keyOf: (args: A) => string) =>
      async (...args: A): Promise<R> => {
        const key = keyOf(args);
        const other = callingWith.get(key);
        if (other !== undefined && other !== instance) overlaps += 1;
        callingWith.set(key, instance);
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          return await call(...args);
        } finally {
          inFlight -= 1;
          if (callingWith.get(key) === instance) callingWith.delete(key);
        }
      };
    return {
      name: provider.name,
      authorize: around(provider.authorize.bind(provider), (args) => args[2]),
      capture: around(provider.capture.bind(provider), (args) => args[2]),
      void: around(provider.void.bind(provider), (args) => args[1]),
      refund: around(provider.refund.bind(provider), (args) => args[2]),
    };
  };
}

before(async () => {
  database = await createTestDatabase('payments_concurrency');
  bus = await startObserver('payments_concurrency');
  // Two instances on one database and one bus, with the sandbox's real answer time.
  for (let i = 0; i < 2; i++) {
    const instance = await createService(
      paymentsDefinition({ wrapProvider: watching(`instance-${i}`), paymentTokens: async () => 'tok_visa' }),
      {
        LOG_LEVEL: 'silent',
        MERCATO_AUTH: 'off',
        PAYMENTS_DATABASE_URL: database.url,
        BUS_DATABASE_URL: bus.busUrl,
        MERCATO_SANDBOX_DELAY_MS: '100',
      },
    );
    await instance.start();
    instances.push(instance);
  }
});
after(async () => {
  for (const instance of instances) await instance.stop();
  await bus.stop();
  await database.drop();
});

describe('provider calls under load', () => {
  it('100 orders with a 100 ms provider: calls run side by side, and two instances never call the provider for one step at once', async () => {
    const orders = Array.from({ length: 100 }, (_, i) => `o-load-${i}`);
    const started = Date.now();
    await bus.tools.send(
      ...orders.flatMap((orderId) => [
        [AuthorizePayment, { orderId, amount: { amount: 1_000, currency: 'USD' } }] as [typeof AuthorizePayment, never],
        [CapturePayment, { orderId }] as [typeof CapturePayment, never],
      ]),
    );
    await waitFor('every capture reply', async () => (await bus.tools.count('payments.payment.captured.v1')) === 100, 60_000);
    const elapsed = Date.now() - started;
    // One call at a time (two instances: two at most), 200 calls of 100 ms would take 10 to 20 s.
    assert.ok(maxInFlight >= 10, `at most ${maxInFlight} provider calls ran at once (${elapsed} ms in all)`);
    assert.equal(overlaps, 0);
    assert.equal(await bus.tools.count('payments.payment.authorized.v1'), 100);
    const db = instances[0]?.context.database?.db ?? assert.fail();
    const ledger = await sql<{ kind: string; n: string }>`
      select kind, count(*) as n from payment_ledger group by kind order by kind`.execute(db);
    assert.deepEqual(
      ledger.rows.map((r) => [r.kind, Number(r.n)]),
      [
        ['authorization', 100],
        ['capture', 100],
      ],
    );
    const effects = await sql<{ operation: string; n: string }>`
      select operation, count(*) as n from sandbox_provider_calls group by operation order by operation`.execute(db);
    assert.deepEqual(
      effects.rows.map((r) => [r.operation, Number(r.n)]),
      [
        ['authorize', 100],
        ['capture', 100],
      ],
    );
  });
});
