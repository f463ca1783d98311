import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Outbox, sql } from '@mercato/kit';
import { assertReads, indexedPlansOf, type PlanRecordingDatabase, planRecordingDatabase } from '@mercato/kit/testing';
import { CatalogStore } from '../src/store.ts';

// Issue 9: no statement on the order path reads a big table whole. The catalog's part is the by-SKU
// lookup: orders prices a cart with it at placement, and the cart checks each add with it. The
// catalog holds 50,000 products (200 times the demo store; ADR 11 measured search on 100,000, which
// takes twice as long to seed for the same unique index on sku), one in fifty archived; the
// statements are the store's own, run for real, and their plans are the ones PostgreSQL chose for
// the parameters they were given (auto_explain, see @mercato/kit/testing's recordPlans).

const PRODUCTS = 50_000;
const CATEGORIES = ['audio', 'books', 'coffee', 'fitness', 'garden', 'home', 'kitchen', 'lighting', 'office', 'outdoor', 'soap', 'toys'];

let recorder: PlanRecordingDatabase;
let store: CatalogStore;

async function seed(): Promise<void> {
  const db = recorder.database.db;
  await sql`insert into categories (slug, name) select slug, initcap(slug) from unnest(${CATEGORIES}::text[]) slug`.execute(db);
  await sql`
    insert into products (id, slug, name, description, category, price_amount, currency, sku, archived_at, created_at, updated_at)
    select md5('product' || i)::uuid, 'product-' || i, 'Product ' || i || ' ' || (${CATEGORIES}::text[])[1 + i % 12],
           'A seeded product, number ' || i || '.', (${CATEGORIES}::text[])[1 + i % 12], 500 + (i * 37) % 20000, 'USD', 'SKU-' || i,
           case when i % 50 = 0 then now() end, now() - (${PRODUCTS} - i) * interval '1 minute', now()
    from generate_series(1, ${PRODUCTS}) i`.execute(db);
  await sql`vacuum analyze`.execute(db);
}

before(async () => {
  recorder = await planRecordingDatabase('catalog_plans', new URL('../src/migrations/', import.meta.url));
  store = new CatalogStore(recorder.database.db, new Outbox('catalog'));
  await seed();
});

after(async () => {
  await recorder?.drop();
});

describe(`the catalog with ${PRODUCTS.toLocaleString('en')} products`, () => {
  it("the by-SKU lookup of a cart's SKUs reads the products through the SKU index, for one SKU or a hundred", async (t) => {
    const { scans } = await indexedPlansOf(t, recorder, async () => {
      assert.equal((await store.productsBySku(['SKU-17'])).length, 1);
      // A cart's most lines (API.md: 100), an archived product (SKU-50) and an unknown SKU among them.
      const skus = [...Array.from({ length: 98 }, (_, i) => `SKU-${i * 500 + 1}`), 'SKU-50', 'NO-SUCH-SKU'];
      assert.equal((await store.productsBySku(skus)).length, 98);
    });
    assertReads(scans, 'products', 'products_sku_key');
  });

  it("a product's page reads it by id or slug through their indexes", async (t) => {
    const { scans } = await indexedPlansOf(t, recorder, async () => {
      const bySlug = (await store.productBySlug('product-4242')) ?? assert.fail();
      assert.equal((await store.productById(bySlug.id))?.sku, 'SKU-4242');
    });
    assertReads(scans, 'products', 'products_pkey');
    assertReads(scans, 'products', 'products_slug_listed');
  });
});
