import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProductSummary } from '@mercato/contracts';
import { type InteractionKind, ItemModel } from '../src/domain/item-model.ts';
import { ProductShelf } from '../src/domain/product-shelf.ts';
import { forProduct, forShopper } from '../src/domain/recommend.ts';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const DAY = 86_400_000;

function learn(model: ItemModel, rows: [user: string, product: string, kind: InteractionKind, at?: number][]): void {
  for (const [userId, productId, kind, at = NOW] of rows) model.apply({ userId, productId, kind, at });
}

const summary = (id: string, category = 'misc'): ProductSummary => ({
  id,
  slug: id,
  name: id,
  price: { amount: 100, currency: 'USD' },
  image: null,
  category,
});

function shelfOf(...products: [id: string, category?: string][]): ProductShelf {
  const shelf = new ProductShelf();
  shelf.replaceAll(products.map(([id, category]) => summary(id, category)));
  return shelf;
}

describe('the item model', () => {
  it('a product everyone buys does not crowd out the one bought with this product', () => {
    const model = new ItemModel({ epoch: NOW });
    for (let u = 0; u < 30; u++)
      learn(model, [
        [`a${u}`, 'A', 'purchase'],
        [`a${u}`, 'P', 'purchase'],
      ]);
    for (let u = 0; u < 10; u++)
      learn(model, [
        [`b${u}`, 'A', 'purchase'],
        [`b${u}`, 'B', 'purchase'],
      ]);
    for (let u = 0; u < 100; u++) learn(model, [[`p${u}`, 'P', 'purchase']]);
    assert.deepEqual(
      model.similarTo('A', 2, () => false, NOW).map((s) => s.productId),
      ['B', 'P'],
    );
    assert.equal(model.popular(1, () => false)[0]?.productId, 'P');
  });

  it('a hundred views of one page weigh what one view does; a purchase weighs more than a view', () => {
    const once = new ItemModel({ epoch: NOW });
    const often = new ItemModel({ epoch: NOW });
    learn(once, [
      ['u', 'A', 'view'],
      ['u', 'B', 'view'],
    ]);
    learn(often, [
      ['u', 'A', 'view'],
      ['u', 'B', 'view'],
    ]);
    for (let k = 0; k < 100; k++) learn(often, [['u', 'B', 'view']]);
    assert.deepEqual(
      often.similarTo('A', 1, () => false, NOW),
      once.similarTo('A', 1, () => false, NOW),
    );
    learn(once, [['v', 'C', 'purchase']]);
    assert.deepEqual(
      once.popular(3, () => false).map((s) => s.productId),
      ['C', 'A', 'B'],
    );
  });

  it('older evidence weighs less: what was bought together lately ranks first', () => {
    const model = new ItemModel({ epoch: NOW - 400 * DAY, halfLifeDays: 30 });
    for (let u = 0; u < 5; u++)
      learn(model, [
        [`old${u}`, 'A', 'purchase', NOW - 365 * DAY],
        [`old${u}`, 'B', 'purchase', NOW - 365 * DAY],
      ]);
    for (let u = 0; u < 5; u++)
      learn(model, [
        [`new${u}`, 'A', 'purchase'],
        [`new${u}`, 'C', 'purchase'],
      ]);
    assert.equal(model.similarTo('A', 1, () => false, NOW)[0]?.productId, 'C');
  });

  it('products looked at in one visit tie more strongly than ones looked at weeks apart', () => {
    const model = new ItemModel({ epoch: NOW - 60 * DAY });
    for (let u = 0; u < 5; u++)
      learn(model, [
        [`together${u}`, 'A', 'view', NOW - 30 * DAY],
        [`together${u}`, 'B', 'view', NOW - 30 * DAY + 60_000],
        [`apart${u}`, 'A', 'view', NOW - 30 * DAY],
        // Later evidence weighs more (forward decay), yet three weeks apart it is not the same visit.
        [`apart${u}`, 'C', 'view', NOW - 9 * DAY],
      ]);
    assert.deepEqual(
      model.similarTo('A', 2, () => false, NOW).map((s) => s.productId),
      ['B', 'C'],
    );
  });

  it('each of a shopper’s recent products has one vote in their row, however many strong neighbours it has', () => {
    const model = new ItemModel({ epoch: NOW });
    for (let u = 0; u < 20; u++) {
      learn(model, [
        [`x${u}`, 'X', 'view'],
        [`x${u}`, `X${u % 2}`, 'view'],
        [`y${u}`, 'Y', 'view'],
      ]);
      if (u < 5) learn(model, [[`y${u}`, 'Y1', 'view']]);
    }
    // X's two neighbours are each more similar to it than Y1 is to Y, but they share X's one vote.
    assert.ok((model.similarTo('X', 1, () => false, NOW)[0]?.score ?? 0) > (model.similarTo('Y', 1, () => false, NOW)[0]?.score ?? 0));
    learn(model, [
      ['me', 'X', 'view'],
      ['me', 'Y', 'view'],
    ]);
    const row = model.forShopper('me', 3, () => false, NOW);
    assert.deepEqual(
      row.map((s) => s.productId),
      ['Y1', 'X0', 'X1'],
    );
  });

  it('a shopper is never recommended what they bought, on their own row or on a product page', () => {
    const model = new ItemModel({ epoch: NOW });
    for (let u = 0; u < 5; u++)
      learn(model, [
        [`s${u}`, 'A', 'purchase'],
        [`s${u}`, 'B', 'purchase'],
        [`s${u}`, 'C', 'cart'],
      ]);
    learn(model, [
      ['me', 'A', 'view'],
      ['me', 'B', 'purchase'],
    ]);
    const shelf = shelfOf(['A'], ['B'], ['C'], ['D']);
    const mine = forShopper(model, shelf, 'me', 20);
    assert.equal(mine.strategy, 'personal');
    assert.ok(!mine.items.some((item) => item.id === 'B'));
    assert.deepEqual(mine.items.map((i) => i.id).sort(), ['A', 'C', 'D']);
    const page = forProduct(model, shelf, 'A', 20, 'me');
    assert.equal(page.strategy, 'item_similarity');
    assert.deepEqual(
      page.items.map((i) => i.id),
      ['C', 'D'],
    );
  });

  it('a product page never recommends itself, and one without ties gets its category’s popular products first', () => {
    const model = new ItemModel({ epoch: NOW });
    learn(model, [
      ['u', 'K1', 'purchase'],
      ['v', 'O1', 'purchase'],
      ['v', 'O1', 'purchase'],
      ['w', 'O1', 'cart'],
    ]);
    const shelf = shelfOf(['K1', 'kitchen'], ['K2', 'kitchen'], ['K3', 'kitchen'], ['O1', 'outdoor']);
    const answer = forProduct(model, shelf, 'K2', 3);
    assert.equal(answer.strategy, 'popularity');
    assert.deepEqual(
      answer.items.map((i) => i.id),
      ['K1', 'K3', 'O1'],
    );
  });

  it('only listed products are answered: an archived one is forgotten, and one off the shelf is skipped', () => {
    const model = new ItemModel({ epoch: NOW });
    for (let u = 0; u < 3; u++)
      learn(model, [
        [`u${u}`, 'A', 'purchase'],
        [`u${u}`, 'B', 'purchase'],
        [`u${u}`, 'C', 'purchase'],
      ]);
    const shelf = shelfOf(['A'], ['B'], ['C']);
    shelf.remove('C');
    assert.deepEqual(
      forProduct(model, shelf, 'A', 5).items.map((i) => i.id),
      ['B'],
    );
    model.forget('B');
    assert.deepEqual(
      model.similarTo('A', 5, () => false, NOW).map((s) => s.productId),
      ['C'],
    );
  });

  it('decay never overflows: after hundreds of half-lives the model still ranks what is recent', () => {
    const halfLifeDays = 1;
    const model = new ItemModel({ epoch: NOW - 2_000 * DAY, halfLifeDays });
    for (let u = 0; u < 3; u++)
      learn(model, [
        [`old${u}`, 'A', 'purchase', NOW - 2_000 * DAY],
        [`old${u}`, 'B', 'purchase', NOW - 2_000 * DAY],
      ]);
    for (let u = 0; u < 3; u++)
      learn(model, [
        [`new${u}`, 'A', 'purchase'],
        [`new${u}`, 'C', 'purchase'],
      ]);
    const similar = model.similarTo('A', 2, () => false, NOW);
    assert.equal(similar[0]?.productId, 'C');
    assert.ok(similar.every((s) => Number.isFinite(s.score) && s.score > 0));
    assert.ok(model.epoch > NOW - 2_000 * DAY);
  });

  it('a snapshot gives back a model that answers the same', () => {
    const model = new ItemModel({ epoch: NOW });
    for (let u = 0; u < 20; u++) {
      learn(model, [
        [`u${u}`, `P${u % 7}`, 'view'],
        [`u${u}`, `P${(u * 3) % 7}`, 'cart'],
        [`u${u}`, `P${(u * 5) % 7}`, 'purchase'],
      ]);
    }
    const copy = ItemModel.fromSnapshotLines([...model.snapshotLines()]);
    for (let p = 0; p < 7; p++)
      assert.deepEqual(
        copy.similarTo(`P${p}`, 5, () => false, NOW),
        model.similarTo(`P${p}`, 5, () => false, NOW),
      );
    assert.deepEqual(
      copy.forShopper('u3', 5, () => false, NOW),
      model.forShopper('u3', 5, () => false, NOW),
    );
    assert.deepEqual(copy.boughtBy('u3'), model.boughtBy('u3'));
    assert.equal(copy.interactions, model.interactions);
  });
});

describe('the product shelf', () => {
  it('a product archived or listed while the catalog is read keeps its newer state after the read', () => {
    const shelf = shelfOf(['A'], ['B']);
    shelf.beginSync();
    // Pages read before the changes below still hold A and lack C.
    shelf.remove('A');
    shelf.put(summary('C'));
    shelf.replaceAll([summary('A'), summary('B')]);
    assert.equal(shelf.has('A'), false);
    assert.equal(shelf.has('C'), true);
    assert.equal(shelf.has('B'), true);
    // A failed read leaves the shelf as it is and keeps nothing for later.
    shelf.beginSync();
    shelf.remove('B');
    shelf.abandonSync();
    shelf.replaceAll([summary('B')]);
    assert.equal(shelf.has('B'), true);
  });
});
