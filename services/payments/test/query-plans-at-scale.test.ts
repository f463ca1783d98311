import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AuthorizePayment, CapturePayment, RefundPayment, VoidPayment } from '@mercato/contracts';
import { consumerHandler, createLogger, Outbox, sql, transaction } from '@mercato/kit';
import { assertReads, eventEnvelope, indexedPlansOf, type PlanRecordingDatabase, planRecordingDatabase } from '@mercato/kit/testing';
import { historyOrderId as orderIdOf, seedPaymentHistory } from '../../../bench/lib/history/payments.ts';
import type { Outcome } from '../src/domain/payment-intent.ts';
import { paymentsHandlers } from '../src/handlers.ts';
import { idempotencyKey } from '../src/providers/payment-provider.ts';
import { PaymentsStore } from '../src/store.ts';

// Issue 9: with ten times the order history, no statement on the order path reads a big table whole.
// Payments holds an intent per order of the history (200,000), two ledger rows for most (about
// 400,000: the authorization and its capture or void) and the sandbox provider's memory of as many
// calls. Every statement below is the store's own, run for real through the saga's commands and the
// worker's claim and record, and its plan is the one PostgreSQL chose for the parameters it was
// given (auto_explain, see @mercato/kit/testing's recordPlans).

const INTENTS = 200_000;
/** The newest intents are authorized and wait for the saga's capture; the three before them owe a capture now. */
const WAITING = 40;
const DUE = 3;
/** The worker's lease with the default 2 s call timeout (payment-worker.ts). */
const LEASE_MS = 11_500;

const log = createLogger({ service: 'payments', instance: 'test', level: 'silent' });

let recorder: PlanRecordingDatabase;
let store: PaymentsStore;

/**
 * The history (shared with the checkout bench's `--history`, bench/lib/history/payments.ts): intents
 * ~80 s apart over 200 days, captured but for the odd declined and voided one, with their ledger rows
 * and the sandbox's calls; the newest WAITING authorized, the DUE before them owing a capture now.
 */
async function seed(): Promise<void> {
  await seedPaymentHistory(recorder.database.db, { intents: INTENTS, inFlight: { waiting: WAITING, due: DUE } });
  await sql`vacuum analyze`.execute(recorder.database.db);
}

before(async () => {
  recorder = await planRecordingDatabase('payments_plans', new URL('../src/migrations/', import.meta.url));
  store = new PaymentsStore(recorder.database.db, new Outbox('payments'), 'sandbox');
  await seed();
});

after(async () => {
  await recorder?.drop();
});

describe(`payments with ${INTENTS.toLocaleString('en')} payment intents in the history`, () => {
  const fresh = randomUUID();
  const waiting = orderIdOf(INTENTS);
  // i % 50 decides the seeded outcome: 0 declined, 1 voided, the rest captured.
  const captured = orderIdOf(INTENTS - 1002);

  it("the saga's payment commands, each through the consumer's inbox, find the order's intent by its key", async (t) => {
    const handler = consumerHandler({ db: store.db, consumer: 'payments', subscription: paymentsHandlers(store)[0] ?? assert.fail(), log });
    const { scans } = await indexedPlansOf(t, recorder, async () => {
      const amount = { amount: 3499, currency: 'USD' };
      await handler.handleNow(eventEnvelope(AuthorizePayment, fresh, { orderId: fresh, amount }));
      // A repeated command (another event id) finds the intent and answers what is known.
      await handler.handleNow(eventEnvelope(AuthorizePayment, fresh, { orderId: fresh, amount }));
      await handler.handleNow(eventEnvelope(CapturePayment, waiting, { orderId: waiting }));
      // An order of the history cancelled after it was confirmed, and a compensation of a voided one repeated.
      await handler.handleNow(eventEnvelope(RefundPayment, captured, { orderId: captured }));
      await handler.handleNow(eventEnvelope(VoidPayment, orderIdOf(INTENTS - 1049), { orderId: orderIdOf(INTENTS - 1049) }));
      // GET /api/admin/payments/{orderId} (payments.routes.ts).
      assert.equal((await store.view(captured))?.ledger.length, 2);
    });
    assertReads(scans, 'payment_intents', 'payment_intents_pkey');
    assertReads(scans, 'payment_ledger', 'payment_ledger_order_id_kind_key');
  });

  it("the worker claims due provider calls through the index of due intents and records each by the order's key", async (t) => {
    const { scans } = await indexedPlansOf(t, recorder, async () => {
      const steps = await store.claim(64, LEASE_MS);
      assert.deepEqual(steps.map((s) => s.operation).sort(), ['authorize', 'capture', 'capture', 'capture', 'capture', 'refund']);
      const [postponed, released, ...recorded] = steps;
      assert.ok(postponed && released);
      await store.postpone(postponed, 1_000, 'provider busy');
      await store.release(released);
      // Recorded in one transaction, as the worker's GroupCommit does.
      await transaction(store.db, async (tx) => {
        for (const step of recorded) {
          const outcome: Outcome =
            step.operation === 'authorize'
              ? { kind: 'authorized', providerRef: `sbx_auth_${randomUUID()}`, brand: 'visa', last4: '4242' }
              : { kind: 'done' };
          assert.notEqual(await store.record(tx, step, outcome), 'stale');
        }
      });
    });
    assertReads(scans, 'payment_intents', 'payment_intents_due');
    assertReads(scans, 'payment_intents', 'payment_intents_pkey');
  });

  // The sandbox provider (providers/sandbox-provider.ts) opens its own pool from a URL, so its
  // statements cannot be recorded as they run: these are copies of them, to keep in step with its
  // #recorded (a call by idempotency key), #operationsOn (an authorization's calls) and #once (the insert).
  it("the sandbox provider finds a call by its idempotency key and an authorization's calls by its reference", async (t) => {
    const providerRef = `sbx_auth_${randomUUID()}`;
    const { scans } = await indexedPlansOf(t, recorder, async () => {
      // A retried capture of an order of the history: its key is known.
      await sql`select operation, outcome from sandbox_provider_calls where idempotency_key = ${idempotencyKey(captured, 'capture')}`.execute(
        store.db,
      );
      await sql`select operation from sandbox_provider_calls where provider_ref = ${providerRef}`.execute(store.db);
      await sql`
        insert into sandbox_provider_calls (idempotency_key, operation, provider_ref, amount, outcome)
        values (${idempotencyKey(fresh, 'capture')}, 'capture', ${providerRef}, ${3499}, ${JSON.stringify({ outcome: 'captured' })}::jsonb)
        on conflict (idempotency_key) do nothing
        returning outcome`.execute(store.db);
    });
    assertReads(scans, 'sandbox_provider_calls', 'sandbox_provider_calls_pkey');
    assertReads(scans, 'sandbox_provider_calls', 'sandbox_provider_calls_by_ref');
  });
});
