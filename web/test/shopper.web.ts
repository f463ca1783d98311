import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DESKTOP, launchBrowser, openTab, PHONE, seriousViolations, type Tab } from './support/browser.ts';
import { startPlatform, type WebPlatform } from './support/platform.ts';
import { ADDRESS, call, PASSWORD, registerShopper, signInThroughPage, tokenInPage } from './support/shop.ts';

// A shopper's journey in Debian's Chromium through the real gateway, every service a real process.

let platform: WebPlatform;
let browser: Browser;
let base: string;

before(async () => {
  platform = await startPlatform('shopper');
  base = platform.base;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await platform?.stop();
});

function assertNoConsoleErrors(tab: Tab): void {
  assert.deepEqual(tab.errors, [], 'the pages logged errors');
}

/** Opens the main navigation where it hides behind the menu button (phones), then follows a link. */
async function openNavLink(page: Page, name: string): Promise<void> {
  const menu = page.getByRole('button', { name: 'Menu' });
  if (await menu.isVisible()) await menu.click();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click();
}

async function addShownProductToCart(page: Page, itemsAfter: number): Promise<string> {
  const name = (await page.getByRole('heading', { level: 1 }).textContent()) ?? '';
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await page.getByRole('link', { name: `Cart, ${itemsAfter} ${itemsAfter === 1 ? 'item' : 'items'}` }).waitFor();
  return name;
}

async function fillAddress(page: Page): Promise<void> {
  await page.getByLabel('Address', { exact: true }).fill(ADDRESS.line1);
  await page.getByLabel('City').fill(ADDRESS.city);
  await page.getByLabel('Postal code').fill(ADDRESS.postalCode);
  await page.getByLabel('Country').selectOption(ADDRESS.country);
}

describe('a shopper in Chromium', () => {
  for (const [label, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    it(`signs up, finds headphones typed with a typo, buys two products with the Visa test card, and the confirmed order is in the history (${label})`, async () => {
      const tab = await openTab(browser, viewport, `journey-${label}`);
      const { page } = tab;
      try {
        await page.goto(`${base}/sign-up`);
        await page.getByLabel('Name').fill('Ada Shopper');
        await page.getByLabel('Email').fill(`ada-${label}-${Date.now()}@example.test`);
        await page.getByLabel('Password').fill(PASSWORD);
        await tab.shot('01-sign-up');
        await page.getByRole('button', { name: 'Create account' }).click();
        await page.getByRole('heading', { name: 'Good things, fairly priced' }).waitFor();
        await page.getByRole('list', { name: 'Products' }).getByRole('link').first().waitFor();
        await tab.shot('02-home-signed-in');

        const search = page.getByRole('searchbox', { name: 'Search products' });
        await search.fill('hedphones');
        await search.press('Enter');
        await page.getByRole('heading', { name: 'Results for “hedphones”' }).waitFor();
        const firstResult = page.getByRole('list', { name: 'Products' }).getByRole('link').first();
        assert.match((await firstResult.textContent()) ?? '', /headphones/i, 'the typo still finds headphones first');
        await tab.shot('03-search-typo');
        await firstResult.click();
        await page.getByRole('button', { name: 'Add to cart' }).waitFor();
        await tab.shot('04-product');
        const first = await addShownProductToCart(page, 1);

        await page.getByRole('link', { name: 'Mercato', exact: true }).click();
        await page.getByRole('region', { name: 'Categories' }).getByRole('link').nth(1).click();
        await page.getByRole('list', { name: 'Products' }).getByRole('link').first().click();
        await page.getByRole('button', { name: 'Add to cart' }).waitFor();
        const second = await addShownProductToCart(page, 2);
        await tab.shot('05-second-product-in-cart');

        await page.getByRole('link', { name: 'Cart, 2 items' }).click();
        await page.getByRole('heading', { name: 'Your cart' }).waitFor();
        const lines = page.getByRole('list', { name: 'Items in your cart' }).getByRole('listitem');
        assert.equal(await lines.count(), 2);
        const cartText = (await page.getByRole('list', { name: 'Items in your cart' }).textContent()) ?? '';
        assert.ok(cartText.includes(first) && cartText.includes(second), `the cart lists ${first} and ${second}`);
        await page.getByLabel(`Quantity of ${second}`).selectOption('2');
        await page.getByRole('link', { name: 'Cart, 3 items' }).waitFor();
        await tab.shot('06-cart');

        await page.getByRole('link', { name: 'Go to checkout' }).click();
        await page.getByRole('heading', { name: 'Checkout' }).waitFor();
        await fillAddress(page);
        await page.getByLabel('Visa •••• 4242 (test)').check();
        await tab.shot('07-checkout');
        // A double click is one attempt: one Idempotency-Key, one order.
        await page.getByRole('button', { name: 'Place order' }).dblclick();
        await page.waitForURL(/\/orders\/[^/]+$/);
        await page.getByText('Your order is confirmed', { exact: false }).waitFor({ timeout: 30_000 });
        await tab.shot('08-order-confirmed');
        const orderId = page.url().split('/').pop() ?? '';

        await openNavLink(page, 'Orders');
        await page.getByRole('heading', { name: 'Your orders' }).waitFor();
        await page.getByRole('link', { name: `Order ${orderId.slice(-8)}` }).waitFor();
        await tab.shot('09-order-history');

        const mine = await call(base, 'GET', '/api/orders', { token: await tokenInPage(page) });
        assert.equal(mine.status, 200);
        assert.deepEqual(
          mine.body.items.map((o: { id: string; status: string }) => [o.id, o.status]),
          [[orderId, 'confirmed']],
          'one order, confirmed',
        );
        assert.equal(mine.body.items[0].lines.length, 2);
        assertNoConsoleErrors(tab);
      } finally {
        await tab.close();
      }
    });
  }

  it('a declined card shows a plain message and the cart holds the same lines again', async () => {
    const shopper = await registerShopper(base, 'Declined');
    const products = await call(base, 'GET', '/api/products?limit=2&sort=price_asc');
    const [a, b] = products.body.items;
    for (const [product, quantity] of [
      [a, 1],
      [b, 2],
    ] as const) {
      const added = await call(base, 'POST', '/api/cart/items', { token: shopper.token, body: { sku: product.sku, quantity } });
      assert.equal(added.status, 200);
    }
    const before = (await call(base, 'GET', '/api/cart', { token: shopper.token })).body;

    const tab = await openTab(browser, DESKTOP, 'declined');
    const { page } = tab;
    try {
      await signInThroughPage(page, base, shopper.email, PASSWORD);
      await page.getByRole('link', { name: 'Cart, 3 items' }).click();
      await page.getByRole('link', { name: 'Go to checkout' }).click();
      await fillAddress(page);
      await page.getByLabel('Card that is declined (test)').check();
      await page.getByRole('button', { name: 'Place order' }).click();
      await page.getByText('Your card was declined', { exact: false }).waitFor({ timeout: 30_000 });
      await tab.shot('01-declined');
      // The lines come back into the cart; the header's count follows.
      await page.getByRole('link', { name: 'Cart, 3 items' }).waitFor();
      await page.getByRole('link', { name: 'Back to your cart' }).click();
      await page.getByRole('heading', { name: 'Your cart' }).waitFor();
      await page.getByRole('list', { name: 'Items in your cart' }).waitFor();
      await tab.shot('02-cart-again');
      const text = (await page.getByRole('list', { name: 'Items in your cart' }).textContent()) ?? '';
      assert.ok(text.includes(a.name) && text.includes(b.name), 'the same products are in the cart');
      const again = (await call(base, 'GET', '/api/cart', { token: shopper.token })).body;
      const linesOf = (cart: { lines: { sku: string; quantity: number }[] }) => cart.lines.map((l) => [l.sku, l.quantity]).sort();
      assert.deepEqual(linesOf(again), linesOf(before));
      assertNoConsoleErrors(tab);
    } finally {
      await tab.close();
    }
  });

  it('home, search, product, cart, checkout and sign-in have no serious or critical accessibility violation (axe-core)', async () => {
    const shopper = await registerShopper(base, 'Axe');
    const products = await call(base, 'GET', '/api/products?limit=1');
    const product = products.body.items[0];
    await call(base, 'POST', '/api/cart/items', { token: shopper.token, body: { sku: product.sku, quantity: 1 } });

    const anonymous = await openTab(browser, DESKTOP, 'axe-anonymous');
    const tab = await openTab(browser, DESKTOP, 'axe');
    try {
      await anonymous.page.goto(`${base}/sign-in`);
      await anonymous.page.getByRole('button', { name: 'Sign in' }).waitFor();
      const found: Record<string, unknown> = { 'sign-in': await seriousViolations(anonymous.page) };

      await signInThroughPage(tab.page, base, shopper.email, PASSWORD);
      const pages: [string, string, () => Promise<unknown>][] = [
        ['home', '/', () => tab.page.getByRole('list', { name: 'Products' }).getByRole('link').first().waitFor()],
        ['search', '/search?q=lamp', () => tab.page.getByRole('status').filter({ hasText: 'Showing' }).waitFor()],
        ['product', `/products/${product.slug}`, () => tab.page.getByRole('button', { name: 'Add to cart' }).waitFor()],
        ['cart', '/cart', () => tab.page.getByRole('list', { name: 'Items in your cart' }).waitFor()],
        ['checkout', '/checkout', () => tab.page.getByRole('button', { name: 'Place order' }).waitFor()],
      ];
      for (const [name, path, ready] of pages) {
        await tab.page.goto(`${base}${path}`);
        await ready();
        await tab.shot(name);
        found[name] = await seriousViolations(tab.page);
      }
      assert.deepEqual(
        Object.entries(found).filter(([, v]) => (v as unknown[]).length > 0),
        [],
        'serious or critical axe violations',
      );
      assertNoConsoleErrors(tab);
      assertNoConsoleErrors(anonymous);
    } finally {
      await tab.close();
      await anonymous.close();
    }
  });
});
