import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ListingMemo } from '../src/listing-memo.ts';

const counting = () => {
  let reads = 0;
  return {
    read: (value: string) => () => {
      reads++;
      return Promise.resolve(value);
    },
    get reads() {
      return reads;
    },
  };
};

describe('listing memo', () => {
  it('answers a page again only at the version it was read at', async () => {
    const memo = new ListingMemo<string>(10);
    const source = counting();
    assert.equal(await memo.get('q=black', '7', source.read('first')), 'first');
    assert.equal(await memo.get('q=black', '7', source.read('second')), 'first');
    assert.equal(source.reads, 1);
    assert.equal(await memo.get('q=black', '8', source.read('third')), 'third', 'a write since: read again');
    assert.equal(source.reads, 2);
  });

  it('shares one read among concurrent requests for a page', async () => {
    const memo = new ListingMemo<string>(10);
    const source = counting();
    const answers = await Promise.all(Array.from({ length: 5 }, () => memo.get('k', '1', source.read('page'))));
    assert.deepEqual(answers, ['page', 'page', 'page', 'page', 'page']);
    assert.equal(source.reads, 1);
  });

  it('keeps no failed read', async () => {
    const memo = new ListingMemo<string>(10);
    await assert.rejects(memo.get('k', '1', () => Promise.reject(new Error('database gone'))));
    assert.equal(await memo.get('k', '1', () => Promise.resolve('page')), 'page');
  });

  it('drops the least recently used page beyond its bound', async () => {
    const memo = new ListingMemo<string>(2);
    const source = counting();
    await memo.get('a', '1', source.read('a'));
    await memo.get('b', '1', source.read('b'));
    await memo.get('a', '1', source.read('a'));
    await memo.get('c', '1', source.read('c'));
    assert.equal(memo.size, 2);
    await memo.get('a', '1', source.read('a'));
    assert.equal(source.reads, 3, 'a was used last, so b went');
    await memo.get('b', '1', source.read('b'));
    assert.equal(source.reads, 4);
  });
});
