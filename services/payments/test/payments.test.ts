import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuthorizePayment, CapturePayment, RefundPayment, VoidPayment } from '@mercato/contracts';
import { createService, type Service, sql } from '@mercato/kit';
import { createTestDatabase, createTestIssuer, injectJson, type TestDatabase, waitFor } from '@mercato/kit/testing';
import { paymentsDefinition } from '../src/app.ts';
import { type Seen, short, startObserver } from './fixtures/observer.ts';

let database: TestDatabase;
let bus: Awaited<ReturnType<typeof startObserver>>;
let payments: Service;
let admin: string;
let customer: string;

const usd = (amount: number) => ({ amount, currency: 'USD' });
/** What orders would hand over for each order: the card token travels beside the bus, never on it. */
const tokens = new Map<string, string>();
/** Every token payments asked for, in order. */
const asked: string[] = [];
const authorize = (orderId: string, token: string, amount = 2_500) => {
  tokens.set(orderId, token);
  return [AuthorizePayment, { orderId, amount: usd(amount) }] as [
    typeof AuthorizePayment,
    { orderId: string; amount: ReturnType<typeof usd> },
  ];
};
const capture = (orderId: string) => [CapturePayment, { orderId }] as [typeof CapturePayment, { orderId: string }];
const voidIt = (orderId: string) => [VoidPayment, { orderId }] as [typeof VoidPayment, { orderId: string }];
const refund = (orderId: string) => [RefundPayment, { orderId }] as [typeof RefundPayment, { orderId: string }];

const db = () => payments.context.database?.db ?? assert.fail('payments has no database');

/** Waits until an order has `n` replies and returns them by short name (`authorized`, `failed`, …). */
async function repliesOf(orderId: string, n: number): Promise<Seen[]> {
  return waitFor(
    `${n} replies for ${orderId}`,
    async () => {
      const replies = await bus.tools.replies(orderId);
      return replies.length >= n ? replies : undefined;
    },
    20_000,
  );
}
const kinds = (replies: Seen[]) => replies.map((r) => short(r.type));

async function ledger(orderId: string): Promise<{ kind: string; amount: number }[]> {
  const { rows } = await sql<{ kind: string; amount: string }>`
    select kind, amount from payment_ledger where order_id = ${orderId} order by id`.execute(db());
  return rows.map((r) => ({ kind: r.kind, amount: Number(r.amount) }));
}

/** What the sandbox provider did for an order (its own record, by idempotency key). */
async function providerCalls(orderId: string): Promise<string[]> {
  const { rows } = await sql<{ operation: string }>`
    select operation from sandbox_provider_calls where idempotency_key like ${`payments:${orderId}:%`} order by created_at`.execute(db());
  return rows.map((r) => r.operation);
}

async function providerCallCount(operation: string, outcome: string): Promise<number> {
  const metric = payments.context.metrics.registry.getSingleMetric('payments_provider_calls_total');
  const values = (await metric?.get())?.values ?? [];
  return values.find((v) => v.labels.operation === operation && v.labels.outcome === outcome)?.value ?? 0;
}

/** A business counter's value for the label values given (none: every series summed). */
async function businessCount(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = payments.context.metrics.registry.getSingleMetric(name) ?? assert.fail(`no metric ${name}`);
  const values = (await metric.get()).values;
  return values.filter((v) => Object.entries(labels).every(([key, value]) => v.labels[key] === value)).reduce((sum, v) => sum + v.value, 0);
}

/** Lets the worker and the bus settle, so that "nothing more arrived" means something. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 400));

before(async () => {
  database = await createTestDatabase('payments');
  bus = await startObserver('payments');
  const issuer = await createTestIssuer();
  payments = await createService(
    {
      ...paymentsDefinition({
        paymentTokens: async (orderId) => {
          asked.push(orderId);
          if (orderId.startsWith('o-orders-down') && asked.filter((id) => id === orderId).length < 3) throw new Error('orders unreachable');
          return tokens.get(orderId);
        },
      }),
      jwks: () => issuer.jwks,
    },
    {
      LOG_LEVEL: 'silent',
      PAYMENTS_DATABASE_URL: database.url,
      BUS_DATABASE_URL: bus.busUrl,
      MERCATO_SANDBOX_DELAY_MS: '5',
      PAYMENTS_WORKER_POLL_MS: '200',
    },
  );
  await payments.start();
  admin = await issuer.userToken(['admin', 'customer']);
  customer = await issuer.userToken();
});
after(async () => {
  await payments.stop();
  await bus.stop();
  await database.drop();
});

describe('authorize and capture', () => {
  it('authorizes, then captures the whole amount: two replies, an authorization and a capture in the ledger', async () => {
    await bus.tools.send(authorize('o-happy', 'tok_visa', 4_999), capture('o-happy'));
    const replies = await repliesOf('o-happy', 2);
    assert.deepEqual(kinds(replies), ['authorized', 'captured']);
    const [authorized, captured] = replies.map((r) => r.data);
    assert.deepEqual(
      { ...authorized, paymentId: undefined },
      { orderId: 'o-happy', paymentId: undefined, amount: usd(4_999), brand: 'visa', last4: '4242' },
    );
    assert.deepEqual(captured, { orderId: 'o-happy', paymentId: authorized?.paymentId, amount: usd(4_999) });
    assert.deepEqual(await ledger('o-happy'), [
      { kind: 'authorization', amount: 4_999 },
      { kind: 'capture', amount: 4_999 },
    ]);
    const { rows } = await sql<{
      row: string;
    }>`select row_to_json(p)::text as row from payment_intents p where order_id = 'o-happy'`.execute(db());
    assert.ok(rows[0] && !rows[0].row.includes('tok_visa'), 'payments keeps no card token');
  });

  it('asks orders for the card token right before authorizing; while orders cannot answer it asks again, never failing the payment', async () => {
    await bus.tools.send(authorize('o-orders-down', 'tok_visa'));
    const [reply] = await repliesOf('o-orders-down', 1);
    assert.equal(short(reply?.type ?? ''), 'authorized');
    assert.equal(asked.filter((id) => id === 'o-orders-down').length, 3);
  });

  it('an order whose token is spent or gone fails with payment_failed, without a provider call', async () => {
    const [command] = [authorize('o-no-token', 'tok_visa')];
    tokens.delete('o-no-token');
    await bus.tools.send(command);
    const [reply] = await repliesOf('o-no-token', 1);
    assert.equal(short(reply?.type ?? ''), 'failed');
    assert.equal(reply?.data.reason, 'payment_failed');
    assert.deepEqual(await ledger('o-no-token'), []);
  });

  it('tok_mastercard authorizes as mastercard 4444', async () => {
    await bus.tools.send(authorize('o-mc', 'tok_mastercard'));
    const [reply] = await repliesOf('o-mc', 1);
    assert.equal(short(reply?.type ?? ''), 'authorized');
    assert.equal(reply?.data.brand, 'mastercard');
    assert.equal(reply?.data.last4, '4444');
  });

  for (const token of ['tok_declined', 'tok_insufficient_funds']) {
    it(`${token} is declined: failed with payment_declined, nothing in the ledger`, async () => {
      const orderId = `o-${token}`;
      await bus.tools.send(authorize(orderId, token));
      const [reply] = await repliesOf(orderId, 1);
      assert.equal(short(reply?.type ?? ''), 'failed');
      assert.equal(reply?.data.operation, 'authorize');
      assert.equal(reply?.data.reason, 'payment_declined');
      assert.deepEqual(await ledger(orderId), []);
      const { rows } = await sql<{ status: string }>`select status from payment_intents where order_id = ${orderId}`.execute(db());
      assert.equal(rows[0]?.status, 'declined');
    });
  }

  it('tok_provider_error: four provider calls (one and three retries), then failed with payment_failed', async () => {
    const before = await providerCallCount('authorize', 'error');
    await bus.tools.send(authorize('o-provider-error', 'tok_provider_error'));
    const [reply] = await repliesOf('o-provider-error', 1);
    assert.equal(short(reply?.type ?? ''), 'failed');
    assert.equal(reply?.data.reason, 'payment_failed');
    assert.equal(reply?.data.operation, 'authorize');
    assert.equal((await providerCallCount('authorize', 'error')) - before, 4);
    await settle();
    assert.equal((await providerCallCount('authorize', 'error')) - before, 4, 'no call after the step failed');
    assert.deepEqual(await ledger('o-provider-error'), []);
  });

  it('a repeated authorize and capture call the provider once each, write one ledger row each, and answer the same again', async () => {
    await bus.tools.send(authorize('o-twice', 'tok_visa'), authorize('o-twice', 'tok_visa'), capture('o-twice'), capture('o-twice'));
    await repliesOf('o-twice', 2);
    await settle();
    // A repeat that arrives while its step is under way waits for the step's one answer; one that
    // arrives after it answers again. Which happens depends on timing; the answers never differ.
    await bus.tools.send(authorize('o-twice', 'tok_visa'), capture('o-twice'));
    await waitFor(
      'the repeats answered',
      async () => kinds(await bus.tools.replies('o-twice')).filter((k) => k === 'captured').length >= 2,
    );
    await settle();
    const all = await bus.tools.replies('o-twice');
    assert.ok(all.every((r) => ['authorized', 'captured'].includes(short(r.type))));
    const authorizedReplies = all.filter((r) => short(r.type) === 'authorized');
    const capturedReplies = all.filter((r) => short(r.type) === 'captured');
    assert.ok(authorizedReplies.length >= 2 && authorizedReplies.length <= 3);
    assert.ok(capturedReplies.length >= 2 && capturedReplies.length <= 3);
    for (const reply of authorizedReplies) assert.deepEqual(reply.data, authorizedReplies[0]?.data);
    for (const reply of capturedReplies) assert.deepEqual(reply.data, capturedReplies[0]?.data);
    assert.deepEqual(await ledger('o-twice'), [
      { kind: 'authorization', amount: 2_500 },
      { kind: 'capture', amount: 2_500 },
    ]);
    assert.deepEqual(await providerCalls('o-twice'), ['authorize', 'capture']);
  });

  it('a repeated declined authorize answers the same failure without calling the provider again', async () => {
    await bus.tools.send(authorize('o-declined-twice', 'tok_declined'));
    await repliesOf('o-declined-twice', 1);
    await bus.tools.send(authorize('o-declined-twice', 'tok_declined'));
    const replies = await repliesOf('o-declined-twice', 2);
    assert.deepEqual(replies[1]?.data, replies[0]?.data);
    assert.deepEqual(await providerCalls('o-declined-twice'), ['authorize']);
  });

  it('a capture of an order payments never heard of fails with payment_failed', async () => {
    await bus.tools.send(capture('o-capture-unknown'));
    const [reply] = await repliesOf('o-capture-unknown', 1);
    assert.equal(short(reply?.type ?? ''), 'failed');
    assert.equal(reply?.data.operation, 'capture');
    assert.equal(reply?.data.reason, 'payment_failed');
  });
});

describe('compensations', () => {
  it('a void after an authorize voids it: voided with the payment id, an authorization and a void in the ledger', async () => {
    await bus.tools.send(authorize('o-void', 'tok_visa', 1_000));
    const [authorized] = await repliesOf('o-void', 1);
    await bus.tools.send(voidIt('o-void'));
    const replies = await repliesOf('o-void', 2);
    assert.deepEqual(kinds(replies), ['authorized', 'voided']);
    assert.deepEqual(replies[1]?.data, { orderId: 'o-void', paymentId: authorized?.data.paymentId });
    assert.deepEqual(await ledger('o-void'), [
      { kind: 'authorization', amount: 1_000 },
      { kind: 'void', amount: 1_000 },
    ]);
  });

  it('a refund after a capture refunds it: the ledger nets to zero', async () => {
    await bus.tools.send(authorize('o-refund', 'tok_mastercard', 700), capture('o-refund'));
    await repliesOf('o-refund', 2);
    await bus.tools.send(refund('o-refund'));
    await repliesOf('o-refund', 3);
    await bus.tools.send(refund('o-refund'));
    const replies = await repliesOf('o-refund', 4);
    assert.deepEqual(kinds(replies), ['authorized', 'captured', 'refunded', 'refunded']);
    assert.deepEqual(replies[3]?.data, replies[2]?.data);
    assert.deepEqual(replies[2]?.data, { orderId: 'o-refund', paymentId: replies[0]?.data.paymentId, amount: usd(700) });
    assert.deepEqual(await ledger('o-refund'), [
      { kind: 'authorization', amount: 700 },
      { kind: 'capture', amount: 700 },
      { kind: 'refund', amount: 700 },
    ]);
    assert.deepEqual(await providerCalls('o-refund'), ['authorize', 'capture', 'refund']);
  });

  it('a refund of a payment that was only authorized voids it (reply voided)', async () => {
    await bus.tools.send(authorize('o-refund-auth', 'tok_visa'));
    await repliesOf('o-refund-auth', 1);
    await bus.tools.send(refund('o-refund-auth'));
    const replies = await repliesOf('o-refund-auth', 2);
    assert.deepEqual(kinds(replies), ['authorized', 'voided']);
    assert.equal(replies[1]?.data.paymentId, replies[0]?.data.paymentId);
    assert.deepEqual(
      (await ledger('o-refund-auth')).map((l) => l.kind),
      ['authorization', 'void'],
    );
  });

  it('a void of a captured payment refunds it (reply refunded)', async () => {
    await bus.tools.send(authorize('o-void-captured', 'tok_visa'), capture('o-void-captured'), voidIt('o-void-captured'));
    const replies = await repliesOf('o-void-captured', 3);
    assert.deepEqual(kinds(replies), ['authorized', 'captured', 'refunded']);
  });

  it('a void that arrives while the authorize is at the provider waits for it: authorized, then voided', async () => {
    await bus.tools.send(authorize('o-void-early', 'tok_visa'), voidIt('o-void-early'));
    const replies = await repliesOf('o-void-early', 2);
    assert.deepEqual(kinds(replies), ['authorized', 'voided']);
    assert.deepEqual(await providerCalls('o-void-early'), ['authorize', 'void']);
  });

  it('a void of an unknown order answers voided without a payment and closes it: a late authorize is refused, never authorized', async () => {
    await bus.tools.send(voidIt('o-closed'));
    const [voided] = await repliesOf('o-closed', 1);
    assert.deepEqual(voided?.data, { orderId: 'o-closed', paymentId: null });
    await bus.tools.send(authorize('o-closed', 'tok_visa'));
    const replies = await repliesOf('o-closed', 2);
    assert.equal(short(replies[1]?.type ?? ''), 'failed');
    assert.equal(replies[1]?.data.operation, 'authorize');
    assert.equal(replies[1]?.data.reason, 'payment_declined');
    await settle();
    assert.deepEqual(await providerCalls('o-closed'), [], 'the provider was never called');
    assert.deepEqual(await ledger('o-closed'), []);
    assert.deepEqual(kinds(await bus.tools.replies('o-closed')), ['voided', 'failed']);
  });

  it('a void or refund after a failed authorize answers voided without a payment', async () => {
    await bus.tools.send(authorize('o-void-declined', 'tok_insufficient_funds'));
    await repliesOf('o-void-declined', 1);
    await bus.tools.send(voidIt('o-void-declined'), refund('o-void-declined'));
    const replies = await repliesOf('o-void-declined', 3);
    assert.deepEqual(kinds(replies), ['failed', 'voided', 'voided']);
    assert.equal(replies[1]?.data.paymentId, null);
  });
});

describe('many orders at once', () => {
  it('a burst of 50 orders, each authorized and captured, all get both replies', async () => {
    const orders = Array.from({ length: 50 }, (_, i) => `o-burst-${i}`);
    await bus.tools.send(...orders.flatMap((id, i) => [authorize(id, i % 2 ? 'tok_visa' : 'tok_mastercard', 100 + i), capture(id)]));
    await waitFor(
      'every capture',
      async () => {
        const { rows } = await sql<{ n: string }>`
          select count(*) as n from payment_ledger where kind = 'capture' and order_id like 'o-burst-%'`.execute(db());
        return Number(rows[0]?.n) === 50;
      },
      20_000,
    );
    for (const id of orders) assert.deepEqual(kinds(await repliesOf(id, 2)), ['authorized', 'captured'], id);
    const { rows } = await sql<{ captured: string; authorized: string }>`
      select sum(amount) filter (where kind = 'capture') as captured, sum(amount) filter (where kind = 'authorization') as authorized
      from payment_ledger where order_id like 'o-burst-%'`.execute(db());
    assert.equal(Number(rows[0]?.captured), Number(rows[0]?.authorized));
  });
});

describe('the admin route', () => {
  it('an admin reads an order payment with its ledger; a customer gets 403; an unknown order 404', async () => {
    await bus.tools.send(authorize('o-admin', 'tok_visa', 1_234), capture('o-admin'));
    await repliesOf('o-admin', 2);
    const answer = await injectJson(payments.app, 'GET', '/api/admin/payments/o-admin', { token: admin });
    assert.equal(answer.status, 200);
    const body = answer.body ?? assert.fail();
    assert.deepEqual(
      { ...body, ledger: body.ledger.map((l: { kind: string; amount: unknown }) => ({ kind: l.kind, amount: l.amount })) },
      {
        orderId: 'o-admin',
        status: 'captured',
        amount: usd(1_234),
        brand: 'visa',
        last4: '4242',
        ledger: [
          { kind: 'authorization', amount: usd(1_234) },
          { kind: 'capture', amount: usd(1_234) },
        ],
      },
    );
    assert.ok(body.ledger.every((l: { at: string }) => !Number.isNaN(Date.parse(l.at))));
    assert.equal((await injectJson(payments.app, 'GET', '/api/admin/payments/o-admin', { token: customer })).status, 403);
    assert.equal((await injectJson(payments.app, 'GET', '/api/admin/payments/o-admin')).status, 401);
    const unknown = await injectJson(payments.app, 'GET', '/api/admin/payments/o-nobody', { token: admin });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body?.type, 'https://mercato.dev/problems/payments/unknown-payment');
  });

  it('an order closed before its authorization shows as voided with no amount', async () => {
    await bus.tools.send(voidIt('o-admin-closed'));
    await repliesOf('o-admin-closed', 1);
    const answer = await injectJson(payments.app, 'GET', '/api/admin/payments/o-admin-closed', { token: admin });
    assert.deepEqual(answer.body, { orderId: 'o-admin-closed', status: 'voided', amount: null, brand: null, last4: null, ledger: [] });
  });

  it('counts provider calls by operation and outcome in /metrics', async () => {
    const answer = await payments.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${admin}` } });
    assert.equal(answer.statusCode, 200);
    assert.match(answer.body, /payments_provider_calls_total\{[^}]*operation="capture"[^}]*outcome="success"[^}]*\} \d+/);
    assert.match(answer.body, /payments_provider_calls_total\{[^}]*operation="authorize"[^}]*outcome="declined"[^}]*\} \d+/);
  });
});

describe('business metrics', () => {
  it('a declined card counts one decline under its reason; the same authorize delivered again answers without counting again', async () => {
    const declined = await businessCount('mercato_payment_declines_total', { reason: 'declined' });
    const short = await businessCount('mercato_payment_declines_total', { reason: 'insufficient_funds' });
    await bus.tools.send(authorize('o-metric-declined', 'tok_declined'), authorize('o-metric-short', 'tok_insufficient_funds'));
    await repliesOf('o-metric-declined', 1);
    await repliesOf('o-metric-short', 1);
    assert.equal(await businessCount('mercato_payment_declines_total', { reason: 'declined' }), declined + 1);
    assert.equal(await businessCount('mercato_payment_declines_total', { reason: 'insufficient_funds' }), short + 1);

    await bus.tools.send(authorize('o-metric-declined', 'tok_declined'));
    await repliesOf('o-metric-declined', 2);
    await settle();
    assert.equal(await businessCount('mercato_payment_declines_total', { reason: 'declined' }), declined + 1);
  });

  it('a provider that keeps failing through its retries counts one failed payment, and no decline', async () => {
    const failed = await businessCount('mercato_payments_failed_total');
    const declines = await businessCount('mercato_payment_declines_total');
    await bus.tools.send(authorize('o-metric-failed', 'tok_provider_error'));
    await repliesOf('o-metric-failed', 1);
    assert.equal(await businessCount('mercato_payments_failed_total'), failed + 1);
    assert.equal(await businessCount('mercato_payment_declines_total'), declines);
    const answer = await payments.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${admin}` } });
    assert.match(answer.body, /^mercato_payments_failed_total\{[^}]*\} \d+$/m);
    assert.match(answer.body, /^mercato_payment_declines_total\{[^}]*reason="insufficient_funds"[^}]*\} \d+$/m);
  });
});
