import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cartIdOf, cartView, type LineSnapshot, MAX_LINES, MAX_QUANTITY } from '../src/domain/cart.ts';

const line = (sku: string, unitAmount: number, quantity: number, currency = 'USD'): LineSnapshot => ({
  sku,
  productId: '01900000-0000-7000-8000-000000000000',
  name: sku,
  unitAmount,
  currency,
  quantity,
});

describe('cartIdOf', () => {
  it('is a version-5 UUID, the same for one user every time and different for another', () => {
    const id = cartIdOf('user-1');
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(cartIdOf('user-1'), id);
    assert.notEqual(cartIdOf('user-2'), id);
  });
});

describe('cartView', () => {
  it('an empty cart totals zero in the shop currency', () => {
    assert.deepEqual(cartView('c', [], 'EUR'), { id: 'c', lines: [], subtotal: { amount: 0, currency: 'EUR' }, itemCount: 0 });
  });

  it('for any lines within the limits: each line total is unit price × quantity, the subtotal their sum, the item count the sum of quantities', () => {
    let seed = 42;
    // A small deterministic generator (mulberry32), so a failure can be replayed.
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    for (let run = 0; run < 200; run++) {
      const lines = Array.from({ length: Math.floor(random() * (MAX_LINES + 1)) }, (_, i) =>
        line(`S${i}`, Math.floor(random() * 1_000_000), 1 + Math.floor(random() * MAX_QUANTITY)),
      );
      const view = cartView('c', lines, 'USD');
      let subtotal = 0;
      let items = 0;
      view.lines.forEach((shown, i) => {
        const source = lines[i];
        assert.ok(source);
        assert.equal(shown.lineTotal.amount, source.unitAmount * source.quantity);
        assert.ok(Number.isSafeInteger(shown.lineTotal.amount));
        subtotal += shown.lineTotal.amount;
        items += shown.quantity;
      });
      assert.equal(view.subtotal.amount, subtotal);
      assert.equal(view.itemCount, items);
      assert.deepEqual(
        view.lines.map((shown) => shown.sku),
        lines.map((l) => l.sku),
        'lines keep their order',
      );
    }
  });

  it('refuses lines in two currencies rather than adding them up', () => {
    assert.throws(() => cartView('c', [line('A', 100, 1), line('B', 100, 1, 'EUR')], 'USD'), /mixes currencies/);
  });
});
