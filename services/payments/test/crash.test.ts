import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { AuthorizePayment, CapturePayment } from '@mercato/contracts';
import { connectDatabase, createService, type Service, sql } from '@mercato/kit';
import { createTestDatabase, type TestDatabase, waitFor } from '@mercato/kit/testing';
import { paymentsDefinition } from '../src/app.ts';
import { short, startObserver } from './fixtures/observer.ts';

let database: TestDatabase;
let bus: Awaited<ReturnType<typeof startObserver>>;
let payments: Service | undefined;
let child: ChildProcess | undefined;

const env = () => ({
  LOG_LEVEL: 'silent',
  MERCATO_AUTH: 'off',
  PAYMENTS_DATABASE_URL: database.url,
  BUS_DATABASE_URL: bus.busUrl,
  MERCATO_SANDBOX_DELAY_MS: '5',
  // A short call timeout makes a short lease: the survivor takes the dead worker's step within seconds.
  PAYMENTS_PROVIDER_TIMEOUT_MS: '500',
  PAYMENTS_WORKER_POLL_MS: '100',
});

before(async () => {
  database = await createTestDatabase('payments_crash');
  bus = await startObserver('payments_crash');
});
after(async () => {
  child?.kill('SIGKILL');
  await payments?.stop();
  await bus.stop();
  await database.drop();
});

describe('crash safety', () => {
  it('a worker that dies between the provider capture and its record: the next instance records exactly one capture', async () => {
    child = spawn(process.execPath, [new URL('./fixtures/dies-after-capture.ts', import.meta.url).pathname], {
      env: { ...process.env, ...env() },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(child, 'exit');
    const ready = once(child.stdout ?? assert.fail(), 'data');
    await Promise.race([ready, exited.then(() => assert.fail('the instance exited before it was ready'))]);

    await bus.tools.send(
      [AuthorizePayment, { orderId: 'o-crash', amount: { amount: 900, currency: 'USD' } }],
      [CapturePayment, { orderId: 'o-crash' }],
    );
    const [, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    assert.equal(signal, 'SIGKILL');

    const direct = connectDatabase(database.url);
    const db = direct.db;
    const sandboxCaptures = async () =>
      Number(
        (
          await sql<{
            n: string;
          }>`select count(*) as n from sandbox_provider_calls where idempotency_key = 'payments:o-crash:capture'`.execute(db)
        ).rows[0]?.n,
      );
    const ledger = async () =>
      (await sql<{ kind: string }>`select kind from payment_ledger where order_id = 'o-crash' order by id`.execute(db)).rows.map(
        (r) => r.kind,
      );
    assert.equal(await sandboxCaptures(), 1, 'the provider captured before the process died');
    assert.deepEqual(await ledger(), ['authorization'], 'but the capture was never recorded');
    await direct.close();

    // The next instance: its worker finds the step once the dead one's lease runs out.
    payments = await createService(paymentsDefinition({ paymentTokens: async () => 'tok_visa' }), env());
    await payments.start();
    const replies = await waitFor(
      'the capture reply',
      async () => {
        const all = await bus.tools.replies('o-crash');
        return all.some((r) => short(r.type) === 'captured') ? all : undefined;
      },
      20_000,
    );
    assert.deepEqual(
      replies.map((r) => short(r.type)),
      ['authorized', 'captured'],
    );
    const survivor = payments.context.database?.db ?? assert.fail();
    const { rows } = await sql<{ kind: string; amount: string }>`
      select kind, amount from payment_ledger where order_id = 'o-crash' order by id`.execute(survivor);
    assert.deepEqual(
      rows.map((r) => [r.kind, Number(r.amount)]),
      [
        ['authorization', 900],
        ['capture', 900],
      ],
    );
    const calls = await sql<{ n: string }>`
      select count(*) as n from sandbox_provider_calls where idempotency_key = 'payments:o-crash:capture'`.execute(survivor);
    assert.equal(Number(calls.rows[0]?.n), 1, 'one capture at the provider: the retry used the same idempotency key');
    const metric = await payments.context.metrics.registry.getSingleMetric('payments_provider_calls_total')?.get();
    const survivorCaptures = metric?.values.find((v) => v.labels.operation === 'capture' && v.labels.outcome === 'success')?.value ?? 0;
    assert.ok(survivorCaptures >= 1, 'the survivor did call the provider, and got the first outcome back');
  });
});
