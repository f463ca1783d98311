import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEMO_PRODUCT_COUNT, DEMO_SEED, type DemoProduct, demoCategories, generateProducts } from '../src/index.ts';

const demo = (currency = 'USD') => [...generateProducts({ seed: DEMO_SEED, count: DEMO_PRODUCT_COUNT, currency })];

/** What the catalog's admin API accepts (services/catalog/src/routes/products.routes.ts). */
const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const SKU = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('the demo store generator', () => {
  it('gives the same products for the same seed, and other ones for another seed', () => {
    assert.deepEqual(demo(), demo());
    const other = [...generateProducts({ seed: 'another', count: DEMO_PRODUCT_COUNT })];
    assert.notDeepEqual(
      other.map((p) => p.name),
      demo().map((p) => p.name),
    );
    assert.equal(new Set([...other, ...demo()].map((p) => p.sku)).size, 2 * DEMO_PRODUCT_COUNT, 'two seeds never share a SKU');
  });

  it('makes at least 200 products in at least 8 categories, each category well stocked with products', () => {
    const products = demo();
    assert.ok(products.length >= 200);
    const perCategory = Map.groupBy(products, (p) => p.category);
    assert.ok(perCategory.size >= 8);
    assert.deepEqual(
      [...perCategory.keys()].sort(),
      demoCategories()
        .map((c) => c.slug)
        .sort(),
    );
    for (const [category, items] of perCategory) assert.ok(items.length >= 15, `${category} has ${items.length}`);
  });

  it('gives every product a unique id, slug and SKU the catalog accepts', () => {
    const products = demo();
    for (const key of ['id', 'slug', 'sku', 'name'] as const) {
      assert.equal(new Set(products.map((p) => p[key])).size, products.length, `${key}s repeat`);
    }
    for (const p of products) {
      assert.match(p.id, UUID);
      assert.match(p.slug, SLUG);
      assert.ok(p.slug.length <= 100);
      assert.match(p.sku, SKU);
      assert.ok(p.name.length > 0 && p.name.length <= 200);
      assert.ok(p.description.length > 40, `${p.name}: a description of a few sentences`);
      assert.doesNotMatch(p.description, /[{}]|undefined/, `${p.name}: a template left unfilled`);
    }
  });

  it('prices every product in whole minor units of the shop currency, in a believable range', () => {
    for (const p of demo()) {
      assert.equal(p.price.currency, 'USD');
      assert.ok(Number.isInteger(p.price.amount), `${p.name}: ${p.price.amount}`);
      assert.ok(p.price.amount >= 500 && p.price.amount <= 100_000, `${p.name}: ${p.price.amount}`);
      assert.equal(p.price.amount % 100, 99, `${p.name}: a shop price such as 24.99`);
    }
    const yen = demo('JPY');
    assert.deepEqual(
      yen.map((p) => p.price.amount),
      demo().map((p) => p.price.amount),
      'a currency without decimals counts whole units: ¥2,499',
    );
    assert.ok(yen.every((p) => p.price.currency === 'JPY'));
  });

  it('gives every product stock above the low-stock threshold, a same-origin SVG picture and attributes', () => {
    for (const p of demo()) {
      assert.ok(Number.isInteger(p.onHand) && p.onHand > 5, `${p.name}: ${p.onHand}`);
      assert.deepEqual(p.images, [`/media/products/${p.slug}.svg`]);
      assert.ok(Object.keys(p.attributes).length >= 2, p.name);
      assert.ok(p.ageMs >= 0 && p.ageMs < 200 * 86_400_000);
    }
  });

  it('starts a larger run with the products of a smaller one, so a bulk seed extends the demo store', () => {
    const larger = [...generateProducts({ seed: DEMO_SEED, count: DEMO_PRODUCT_COUNT + 500 })];
    assert.deepEqual(larger.slice(0, DEMO_PRODUCT_COUNT), demo());
  });

  it('keeps slugs unique over a large run, where names repeat', () => {
    const slugs = new Set<string>();
    let count = 0;
    for (const p of generateProducts({ seed: 'bench', count: 20_000 }) as Iterable<DemoProduct>) {
      slugs.add(p.slug);
      count++;
      assert.match(p.slug, SLUG);
    }
    assert.equal(slugs.size, count);
  });
});
