import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  cartIdOf,
  cartView,
  type KnownProduct,
  type LineSnapshot,
  MAX_LINES,
  MAX_QUANTITY,
  planRestore,
  restoresCart,
} from '../src/domain/cart.ts';

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

describe('restoresCart', () => {
  it('only a declined or failed payment puts the lines back', () => {
    assert.deepEqual(['payment_declined', 'payment_failed', 'customer_request', 'out_of_stock', 'expired'].filter(restoresCart), [
      'payment_declined',
      'payment_failed',
    ]);
  });
});

describe('planRestore', () => {
  const product = (n: number) => `01900000-0000-7000-8000-${String(n).padStart(12, '0')}`;
  const restored = (sku: string, quantity: number, n = 1): LineSnapshot => ({ ...line(sku, 500, quantity), productId: product(n) });

  it('into an empty cart: every line as the order had it', () => {
    const lines = [restored('A', 2, 1), restored('B', 1, 2)];
    assert.deepEqual(planRestore([], lines), { add: lines, dropped: [] });
  });

  it('adds to a line the cart holds and caps it at 99, dropping the rest', () => {
    const plan = planRestore([{ sku: 'A', quantity: 95 }], [restored('A', 10)]);
    assert.deepEqual(
      plan.add.map((l) => [l.sku, l.quantity]),
      [['A', 4]],
    );
    assert.deepEqual(plan.dropped, [{ sku: 'A', quantity: 6, reason: 'line_full' }]);
  });

  it('a full line takes nothing', () => {
    const plan = planRestore([{ sku: 'A', quantity: 99 }], [restored('A', 1)]);
    assert.deepEqual(plan, { add: [], dropped: [{ sku: 'A', quantity: 1, reason: 'line_full' }] });
  });

  it('a cart of 100 lines takes more units of its SKUs but no 101st line', () => {
    const current = Array.from({ length: MAX_LINES }, (_, i) => ({ sku: `S${i}`, quantity: 1 }));
    const plan = planRestore(current, [restored('NEW', 3), restored('S7', 2)]);
    assert.deepEqual(
      plan.add.map((l) => [l.sku, l.quantity]),
      [['S7', 2]],
    );
    assert.deepEqual(plan.dropped, [{ sku: 'NEW', quantity: 3, reason: 'cart_full' }]);
  });

  it('the 100th line fits, the 101st does not, in the order of the order', () => {
    const current = Array.from({ length: MAX_LINES - 1 }, (_, i) => ({ sku: `S${i}`, quantity: 1 }));
    const plan = planRestore(current, [restored('X', 1), restored('Y', 1)]);
    assert.deepEqual(
      plan.add.map((l) => l.sku),
      ['X'],
    );
    assert.deepEqual(plan.dropped, [{ sku: 'Y', quantity: 1, reason: 'cart_full' }]);
  });

  it('leaves out a product the catalog archived; takes the newest name and price the cart knows for a new line', () => {
    const known = new Map<string, KnownProduct>([
      [product(1), { archived: true }],
      [product(2), { archived: false, name: 'Renamed', unitAmount: 450, currency: 'USD' }],
      [product(3), { archived: false, unitAmount: 600 }],
    ]);
    const plan = planRestore([], [restored('GONE', 2, 1), restored('RENAMED', 1, 2), restored('REPRICED', 1, 3)], known);
    assert.deepEqual(plan.dropped, [{ sku: 'GONE', quantity: 2, reason: 'archived' }]);
    assert.deepEqual(
      plan.add.map((l) => [l.sku, l.name, l.unitAmount]),
      [
        ['RENAMED', 'Renamed', 450],
        ['REPRICED', 'REPRICED', 600],
      ],
    );
  });

  it('for any cart and order: limits hold, and every unit asked for is either added or dropped', () => {
    const sku = fc.constantFrom(...Array.from({ length: 130 }, (_, i) => `S${i}`));
    const cart = fc.uniqueArray(fc.record({ sku, quantity: fc.integer({ min: 1, max: MAX_QUANTITY }) }), {
      selector: (l) => l.sku,
      maxLength: MAX_LINES,
    });
    const order = fc.array(fc.record({ sku, quantity: fc.integer({ min: 1, max: 150 }) }), { maxLength: 120 });
    fc.assert(
      fc.property(cart, order, (current, ordered) => {
        const plan = planRestore(
          current,
          ordered.map((l) => restored(l.sku, l.quantity)),
        );
        const after = new Map(current.map((l) => [l.sku, l.quantity]));
        for (const added of plan.add) {
          assert.ok(added.quantity >= 1);
          after.set(added.sku, (after.get(added.sku) ?? 0) + added.quantity);
        }
        assert.ok(after.size <= MAX_LINES, `${after.size} lines`);
        for (const [s, q] of after) assert.ok(q >= 1 && q <= MAX_QUANTITY, `${s}: ${q}`);
        const asked = ordered.reduce((sum, l) => sum + l.quantity, 0);
        const moved = plan.add.reduce((sum, l) => sum + l.quantity, 0) + plan.dropped.reduce((sum, l) => sum + l.quantity, 0);
        assert.equal(moved, asked);
        // Nothing is dropped that would have fit.
        for (const d of plan.dropped) {
          if (d.reason === 'line_full') assert.equal(after.get(d.sku), MAX_QUANTITY);
          if (d.reason === 'cart_full') assert.equal(after.size, MAX_LINES);
        }
        assert.equal(new Set(plan.add.map((l) => l.sku)).size, plan.add.length, 'one entry per SKU');
      }),
      { numRuns: 500 },
    );
  });
});
