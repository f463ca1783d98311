import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decideCommand,
  decideOutcome,
  type IntentState,
  type LedgerKind,
  nextOperation,
  type Outcome,
  type Reply,
  type SagaCommand,
} from '../src/domain/payment-intent.ts';

const intent = (state: Partial<IntentState> & Pick<IntentState, 'status' | 'target'>): IntentState => ({
  authorized: ['authorized', 'captured', 'refunded'].includes(state.status),
  failureReason: null,
  failureDetail: null,
  ...state,
});

describe('payment intent rules', () => {
  it('the first authorize creates a pending intent and owes an authorize call; a repeat while pending answers nothing yet', () => {
    assert.deepEqual(decideCommand(undefined, 'authorize'), { create: { status: 'pending', target: 'authorized' }, replies: [] });
    assert.equal(nextOperation('pending', 'authorized'), 'authorize');
    assert.deepEqual(decideCommand(intent({ status: 'pending', target: 'authorized' }), 'authorize'), { replies: [] });
  });

  it('a void or refund of an unknown order closes it, and the late authorize is refused without a provider call', () => {
    const closed = decideCommand(undefined, 'void');
    assert.deepEqual(closed, { create: { status: 'voided', target: 'voided' }, replies: [{ type: 'voided', withPayment: false }] });
    assert.deepEqual(decideCommand(undefined, 'refund'), closed);
    assert.equal(nextOperation('voided', 'voided'), null);
    const late = decideCommand(intent({ status: 'voided', target: 'voided' }), 'authorize');
    assert.equal(late.create, undefined);
    assert.deepEqual(
      late.replies.map((r) => r.type === 'failed' && [r.operation, r.reason]),
      [['authorize', 'payment_declined']],
    );
  });

  it('a refund of an authorization that was not captured voids it; a void of a captured payment refunds it', () => {
    const authorized = intent({ status: 'authorized', target: 'authorized' });
    assert.deepEqual(decideCommand(authorized, 'refund'), { target: 'voided', replies: [] });
    assert.equal(nextOperation('authorized', 'voided'), 'void');
    const captured = intent({ status: 'captured', target: 'captured' });
    assert.deepEqual(decideCommand(captured, 'void'), { target: 'refunded', replies: [] });
    assert.equal(nextOperation('captured', 'refunded'), 'refund');
  });

  it('a compensation during a capture waits for it, then refunds; if the capture fails it voids instead', () => {
    const capturing = intent({ status: 'authorized', target: 'captured' });
    assert.deepEqual(decideCommand(capturing, 'void'), { target: 'refunded', replies: [] });
    const failed = decideOutcome(intent({ status: 'authorized', target: 'refunded' }), 'capture', { kind: 'failed', detail: 'down' });
    assert.equal(failed.status, 'authorized');
    assert.equal(failed.target, 'voided');
    assert.equal(nextOperation(failed.status, failed.target), 'void');
  });

  it('a declined authorize answers the capture and void that queued behind it', () => {
    const decision = decideOutcome(intent({ status: 'pending', target: 'refunded' }), 'authorize', {
      kind: 'declined',
      detail: 'card_declined',
    });
    assert.equal(decision.status, 'declined');
    assert.deepEqual(
      decision.replies.map((r) => (r.type === 'failed' ? `${r.operation} ${r.reason}` : r.type)),
      ['authorize payment_declined', 'capture payment_declined', 'voided'],
    );
    assert.equal(nextOperation(decision.status, decision.target), null);
  });

  it('a finished step answers again the same way', () => {
    const declined = intent({
      status: 'declined',
      target: 'authorized',
      failureReason: 'payment_declined',
      failureDetail: 'insufficient_funds',
    });
    assert.deepEqual(decideCommand(declined, 'authorize').replies, [
      { type: 'failed', operation: 'authorize', reason: 'payment_declined', detail: 'insufficient_funds' },
    ]);
    assert.deepEqual(decideCommand(intent({ status: 'captured', target: 'captured' }), 'capture').replies, [{ type: 'captured' }]);
    assert.deepEqual(decideCommand(intent({ status: 'captured', target: 'captured' }), 'authorize').replies, [{ type: 'authorized' }]);
    assert.deepEqual(decideCommand(intent({ status: 'refunded', target: 'refunded' }), 'void').replies, [{ type: 'refunded' }]);
    assert.deepEqual(decideCommand(declined, 'void').replies, [{ type: 'voided', withPayment: false }]);
  });

  it('a void or refund the provider will not do yet is tried again later, never given up', () => {
    assert.equal(
      decideOutcome(intent({ status: 'authorized', target: 'voided' }), 'void', { kind: 'failed', detail: 'x' }).retryLater,
      true,
    );
    assert.equal(
      decideOutcome(intent({ status: 'captured', target: 'refunded' }), 'refund', { kind: 'failed', detail: 'x' }).retryLater,
      true,
    );
  });
});

/** A small seeded PRNG (mulberry32), so a failing sequence can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const answers: Record<'authorize' | 'capture' | 'void' | 'refund', SagaCommand> = {
  authorize: 'authorize',
  capture: 'capture',
  void: 'void',
  refund: 'void', // void and refund are one compensation
};

const answered = (reply: Reply): SagaCommand =>
  reply.type === 'authorized' || (reply.type === 'failed' && reply.operation === 'authorize')
    ? 'authorize'
    : reply.type === 'captured' || reply.type === 'failed'
      ? 'capture'
      : 'void';

describe('payment intent invariants over random command and provider sequences', () => {
  it('the ledger never moves more money than was authorized, and every command is answered once the worker is idle', () => {
    for (let seed = 1; seed <= 2_000; seed++) {
      const next = random(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
      let state: IntentState | undefined;
      const ledger: LedgerKind[] = [];
      const lastCommand = new Map<SagaCommand, number>();
      const lastReply = new Map<SagaCommand, number>();
      let clock = 0;
      const firstCommand: SagaCommand[] = [];
      const reply = (replies: Reply[]) => {
        for (const r of replies) lastReply.set(answered(r), ++clock);
      };
      const step = (): boolean => {
        if (!state) return false;
        const operation = nextOperation(state.status, state.target);
        if (!operation) return false;
        const outcome: Outcome =
          operation === 'authorize'
            ? pick<Outcome>([
                { kind: 'authorized', providerRef: 'ref', brand: 'visa', last4: '4242' },
                { kind: 'declined', detail: 'card_declined' },
                { kind: 'failed', detail: 'down' },
              ])
            : pick<Outcome>([{ kind: 'done' }, { kind: 'done' }, { kind: 'failed', detail: 'down' }]);
        const decision = decideOutcome(state, operation, outcome);
        if (!decision.retryLater) {
          state = {
            status: decision.status,
            target: decision.target,
            authorized: state.authorized || outcome.kind === 'authorized',
            failureReason: decision.failure?.reason ?? state.failureReason,
            failureDetail: decision.failure?.detail ?? state.failureDetail,
          };
          if (decision.ledger) ledger.push(decision.ledger);
        }
        reply(decision.replies);
        return true;
      };
      for (let i = 0; i < 12; i++) {
        if (next() < 0.5) {
          const command = pick<SagaCommand>(['authorize', 'capture', 'void', 'refund']);
          firstCommand.push(command);
          lastCommand.set(answers[command], ++clock);
          const decision = decideCommand(state, command);
          if (decision.create) state = { ...decision.create, authorized: false, failureReason: null, failureDetail: null };
          else if (decision.target && state) state = { ...state, target: decision.target };
          reply(decision.replies);
        } else {
          step();
        }
        const count = (kind: LedgerKind) => ledger.filter((k) => k === kind).length;
        for (const kind of ['authorization', 'capture', 'void', 'refund'] as const)
          assert.ok(count(kind) <= 1, `seed ${seed}: two ${kind}s`);
        assert.ok(count('capture') - count('refund') <= count('authorization'), `seed ${seed}: more captured than authorized`);
        assert.ok(count('refund') <= count('capture'), `seed ${seed}: refund without capture`);
        assert.ok(!(count('capture') && count('void')), `seed ${seed}: captured and voided`);
        if (firstCommand[0] === 'void' || firstCommand[0] === 'refund')
          assert.equal(count('authorization'), 0, `seed ${seed}: closed order authorized`);
      }
      // The worker runs until nothing is owed; compensations that failed are retried, so bound the loop.
      for (let i = 0; i < 50 && step(); i++);
      for (const [command, at] of lastCommand) {
        assert.ok((lastReply.get(command) ?? 0) > at, `seed ${seed}: ${command} not answered after its last command`);
      }
    }
  });
});
