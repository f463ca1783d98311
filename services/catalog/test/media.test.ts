import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { glyphFor, productSvg } from '../src/domain/product-art.ts';
import { type CatalogHarness, startCatalog } from './harness.ts';

let catalog: CatalogHarness;
const picture = (slug: string, headers: Record<string, string> = {}) =>
  catalog.service.app.inject({
    method: 'GET',
    url: `/media/products/${slug}.svg`,
    headers: { authorization: `Bearer ${catalog.gatewayToken}`, ...headers },
  });

before(async () => {
  catalog = await startCatalog('catalog_media');
  await catalog.createProduct({
    slug: 'aurora-headphones',
    name: 'Aurora <wireless> headphones & "friends"',
    category: 'audio',
    images: ['/media/products/aurora-headphones.svg'],
    attributes: { color: 'navy' },
  });
});
after(() => catalog.close());

describe('GET /media/products/{slug}.svg', () => {
  it('answers a listed product’s picture as image/svg+xml with a long Cache-Control and an ETag', async () => {
    const answer = await picture('aurora-headphones');
    assert.equal(answer.statusCode, 200);
    assert.match(String(answer.headers['content-type']), /^image\/svg\+xml/);
    assert.match(String(answer.headers['cache-control']), /^public, max-age=\d{5,}/);
    assert.match(String(answer.headers.etag), /^W\/".+"$/);
    assert.match(String(answer.headers['content-security-policy']), /default-src 'none'/);
    assert.match(answer.body, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.ok(answer.body.includes('Aurora &lt;wireless&gt; headphones &amp; &quot;friends&quot;'), 'the name is escaped');
    assert.doesNotMatch(
      answer.body,
      /<script|href=|xlink|url\((?!#)|https?:\/\/(?!www\.w3\.org\/2000\/svg)/,
      'no script, link or outside reference',
    );
  });

  it('answers 304 to If-None-Match with its ETag, and the same bytes every time', async () => {
    const first = await picture('aurora-headphones');
    const again = await picture('aurora-headphones', { 'if-none-match': String(first.headers.etag) });
    assert.equal(again.statusCode, 304);
    assert.equal((await picture('aurora-headphones')).body, first.body);
  });

  it('answers 404 for a slug no listed product has, and 400 for a file that is not a slug.svg', async () => {
    const missing = await picture('no-such-thing');
    assert.equal(missing.statusCode, 404);
    assert.match(String(missing.headers['content-type']), /^application\/problem\+json/);
    const odd = await catalog.service.app.inject({
      method: 'GET',
      url: '/media/products/Aurora.png',
      headers: { authorization: `Bearer ${catalog.gatewayToken}` },
    });
    assert.equal(odd.statusCode, 400);
  });

  it('refuses a call without a token, like every service route', async () => {
    const bare = await catalog.service.app.inject({ method: 'GET', url: '/media/products/aurora-headphones.svg' });
    assert.equal(bare.statusCode, 401);
  });
});

describe('product pictures', () => {
  it('draw a kind of thing from the category, else from the name, else a price tag', () => {
    assert.equal(glyphFor('audio', 'Anything'), 'headphones');
    assert.equal(glyphFor('toys-and-games', 'Desk lamp'), 'blocks');
    assert.equal(glyphFor('misc', 'Leather sneakers'), 'shoe');
    assert.equal(glyphFor('misc', 'Gift card'), 'tag');
  });

  it('are the same for the same product and differ between products', () => {
    const a = { slug: 'a-lamp', name: 'A lamp', category: 'home' };
    assert.equal(productSvg(a), productSvg(a));
    assert.notEqual(productSvg(a), productSvg({ ...a, slug: 'b-lamp' }));
  });
});
