import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { DESKTOP, launchBrowser, openTab, PHONE } from './support/browser.ts';
import { ADMIN, startPlatform, type WebPlatform } from './support/platform.ts';
import { call, login, PASSWORD, registerShopper, signInThroughPage } from './support/shop.ts';

// Browsing in Chromium: filters, sort and "load more", live availability, and a purchase step by keyboard alone.

let platform: WebPlatform;
let browser: Browser;
let base: string;
let admin: string;

before(async () => {
  platform = await startPlatform('storefront');
  base = platform.base;
  browser = await launchBrowser();
  admin = await login(base, ADMIN.email, ADMIN.password);
});

after(async () => {
  await browser?.close();
  await platform?.stop();
});

const priceOf = (text: string) => Number(text.replace(/[^0-9.]/g, ''));

describe('browsing in Chromium', () => {
  it('search filters by category and price, sorts by price, and "Load more" adds the next page', async () => {
    const tab = await openTab(browser, DESKTOP, 'filters');
    const { page } = tab;
    try {
      await page.goto(`${base}/search`);
      await page.getByRole('heading', { name: 'All products' }).waitFor();
      await page.getByText('Showing 24 products').waitFor();
      await page.getByRole('button', { name: 'Load more' }).click();
      await page.getByText('Showing 48 products').waitFor();

      const api = await call(base, 'GET', '/api/products?category=kitchen&minPrice=2000&maxPrice=8000&sort=price_asc&limit=100');
      const expected = Math.min(24, api.body.items.length);
      assert.ok(expected > 0, 'some kitchen products cost 20 to 80');
      await page.getByLabel('Category').selectOption('kitchen');
      await page.getByLabel('Lowest').fill('20');
      await page.getByLabel('Highest').fill('80');
      await page.getByRole('button', { name: 'Apply price' }).click();
      await page.getByLabel('Sort by').selectOption('price_asc');
      await page.waitForURL(/sort=price_asc/);
      await page.getByText(`Showing ${expected} ${expected === 1 ? 'product' : 'products'}`).waitFor();
      await tab.shot('kitchen-20-80-price-asc');
      const cards = page.getByRole('list', { name: 'Products' }).getByRole('listitem');
      const prices = (await cards.locator('.price').allTextContents()).map(priceOf);
      assert.ok(
        prices.every((p) => p >= 20 && p <= 80),
        `every price within 20–80: ${prices}`,
      );
      assert.deepEqual(
        prices,
        [...prices].sort((a, b) => a - b),
        'sorted by price, low to high',
      );
      assert.equal(prices.length, expected);
      assert.deepEqual(tab.errors, []);
    } finally {
      await tab.close();
    }
  });

  it('a product page shows live availability: "Only 3 left", then "Out of stock" with the button disabled', async () => {
    const product = (await call(base, 'GET', '/api/products?limit=1&sort=price_desc')).body.items[0];
    assert.equal((await call(base, 'PUT', `/api/inventory/${product.sku}`, { token: admin, body: { onHand: 3 } })).status, 200);
    const tab = await openTab(browser, PHONE, 'availability');
    const { page } = tab;
    try {
      await page.goto(`${base}/products/${product.slug}`);
      await page.getByText('Only 3 left').waitFor();
      assert.equal(await page.getByRole('button', { name: 'Add to cart' }).isEnabled(), true);
      await tab.shot('only-3-left');
      assert.equal((await call(base, 'PUT', `/api/inventory/${product.sku}`, { token: admin, body: { onHand: 0 } })).status, 200);
      // The page asks again by itself; a person only waits.
      await page.getByText('Out of stock').first().waitFor({ timeout: 30_000 });
      assert.equal(await page.getByRole('button', { name: 'Out of stock' }).isDisabled(), true);
      await tab.shot('out-of-stock');
      assert.deepEqual(tab.errors, []);
    } finally {
      await tab.close();
    }
  });

  it('a shopper adds a product to the cart by keyboard alone, with the focus visible on the way', async () => {
    const shopper = await registerShopper(base, 'Keys');
    const product = (await call(base, 'GET', '/api/products?limit=1&sort=price_asc')).body.items[0];
    const tab = await openTab(browser, DESKTOP, 'keyboard');
    const { page } = tab;
    try {
      await signInThroughPage(page, base, shopper.email, PASSWORD);
      await page.goto(`${base}/products/${product.slug}`);
      await page.getByRole('button', { name: 'Add to cart' }).waitFor();
      await page.keyboard.press('Tab');
      const skip = await page.evaluate(() => document.activeElement?.textContent);
      assert.equal(skip, 'Skip to content', 'the first Tab reaches the skip link');
      let reached = false;
      for (let i = 0; i < 40 && !reached; i++) {
        await page.keyboard.press('Tab');
        reached = await page.evaluate(() => document.activeElement?.textContent === 'Add to cart');
      }
      assert.ok(reached, 'Tab reaches "Add to cart"');
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle);
      assert.notEqual(outline, 'none', 'the focused button shows a focus ring');
      await tab.shot('focus-on-add-to-cart');
      await page.keyboard.press('Enter');
      await page.getByRole('link', { name: 'Cart, 1 item' }).waitFor();
      const cart = await call(base, 'GET', '/api/cart', { token: shopper.token });
      assert.deepEqual(
        cart.body.lines.map((l: { sku: string; quantity: number }) => [l.sku, l.quantity]),
        [[product.sku, 1]],
      );
      assert.deepEqual(tab.errors, []);
    } finally {
      await tab.close();
    }
  });

  it('an unknown page shows "not found" inside the app, with a way home', async () => {
    const tab = await openTab(browser, DESKTOP, 'not-found');
    try {
      const answer = await tab.page.goto(`${base}/no-such-page`);
      assert.equal(answer?.status(), 404);
      await tab.page.getByRole('heading', { name: 'Page not found' }).waitFor();
      await tab.page.getByRole('link', { name: 'Go to the home page' }).click();
      await tab.page.getByRole('heading', { name: 'Good things, fairly priced' }).waitFor();
      await tab.shot('not-found');
      // The browser reports the 404 document itself; nothing else may fail.
      assert.deepEqual(
        tab.errors.filter((e) => !e.includes('404 (Not Found)')),
        [],
      );
    } finally {
      await tab.close();
    }
  });
});
