import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GroupCommit } from '../src/index.ts';

describe('GroupCommit', () => {
  it('items submitted in one turn share one transaction, at most 64 to a group and two groups in flight', async () => {
    const groups: number[][] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    const commits = new GroupCommit<number, number>({
      async commit(items) {
        groups.push([...items]);
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
        return items.map((n) => n * 10);
      },
    });
    const results = await Promise.all(Array.from({ length: 200 }, (_, n) => commits.submit(n)));
    assert.deepEqual(
      results,
      Array.from({ length: 200 }, (_, n) => n * 10),
    );
    assert.deepEqual(
      groups.map((g) => g.length),
      [64, 64, 64, 8],
    );
    assert.equal(mostInFlight, 2);
  });

  it('a failed group runs each item alone: only the failing item is rejected, with its own error', async () => {
    const commits = new GroupCommit<string, string>({
      async commit(items) {
        if (items.includes('bad')) throw new Error(items.length === 1 ? 'bad alone' : 'the group');
        return items.map((item) => `${item} done`);
      },
    });
    const [a, bad, b] = await Promise.allSettled([commits.submit('a'), commits.submit('bad'), commits.submit('b')]);
    assert.deepEqual(a, { status: 'fulfilled', value: 'a done' });
    assert.deepEqual(b, { status: 'fulfilled', value: 'b done' });
    assert.equal(bad.status, 'rejected');
    assert.equal((bad as PromiseRejectedResult).reason.message, 'bad alone');
  });

  it('failed() settles an item whose own transaction failed: with a result, or by throwing', async () => {
    const commits = new GroupCommit<string, string>({
      async commit(items) {
        if (items.some((item) => item.startsWith('bad'))) throw new Error(`failed: ${items.join(',')}`);
        return [...items];
      },
      async failed(item, error) {
        if (item === 'bad-but-settled') return `settled after ${(error as Error).message}`;
        throw new Error(`gave up on ${item}`);
      },
    });
    const settled = await Promise.allSettled([commits.submit('bad-but-settled'), commits.submit('bad'), commits.submit('ok')]);
    assert.deepEqual(settled, [
      { status: 'fulfilled', value: 'settled after failed: bad-but-settled' },
      { status: 'rejected', reason: new Error('gave up on bad') },
      { status: 'fulfilled', value: 'ok' },
    ]);
  });
});
