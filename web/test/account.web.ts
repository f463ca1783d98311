import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DESKTOP, launchBrowser, openTab } from './support/browser.ts';
import { startPlatform, type WebPlatform } from './support/platform.ts';
import { ADDRESS, call, PASSWORD, placeOrder, registerShopper, signInThroughPage } from './support/shop.ts';

// A shopper's session and account in Chromium: tokens renewed before they expire, a spent session
// back through sign-in, the profile's address at checkout, and cancelling an order.

let platform: WebPlatform;
let browser: Browser;
let base: string;

before(async () => {
  platform = await startPlatform('account');
  base = platform.base;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await platform?.stop();
});

interface StoredSession {
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
}

const SESSION_KEY = 'mercato.session';

async function storedSession(page: Page): Promise<StoredSession> {
  return page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? '{}') as StoredSession, SESSION_KEY);
}

/** As if the shopper signed out elsewhere and the access token ran out: the page's session is spent. */
async function spendSession(page: Page): Promise<void> {
  const stored = await storedSession(page);
  assert.equal((await call(base, 'POST', '/api/auth/logout', { body: { refreshToken: stored.refreshToken } })).status, 204);
  await page.evaluate(
    ([key, at]) => {
      const s = JSON.parse(localStorage.getItem(key as string) ?? '{}');
      localStorage.setItem(key as string, JSON.stringify({ ...s, expiresAt: at }));
    },
    [SESSION_KEY, Date.now() - 1_000] as const,
  );
}

describe('a shopper’s session and account in Chromium', () => {
  it('an access token about to expire is renewed before the next call, and the shopper stays signed in', async () => {
    const shopper = await registerShopper(base, 'Renew');
    const tab = await openTab(browser, DESKTOP, 'renew');
    const { page } = tab;
    try {
      await signInThroughPage(page, base, shopper.email, PASSWORD);
      const before = await storedSession(page);
      // As if 14½ of its 15 minutes had passed.
      await page.evaluate(
        ([key, at]) => {
          const stored = JSON.parse(localStorage.getItem(key as string) ?? '{}');
          localStorage.setItem(key as string, JSON.stringify({ ...stored, expiresAt: at }));
        },
        [SESSION_KEY, Date.now() + 30_000] as const,
      );
      await page.goto(`${base}/cart`);
      await page.getByRole('heading', { name: 'Your cart is empty' }).waitFor();
      const after = await storedSession(page);
      assert.notEqual(after.refreshToken, before.refreshToken, 'the refresh token was used and replaced');
      assert.ok(after.expiresAt > Date.now() + 10 * 60_000, 'a fresh access token');
      // The app used the old refresh token once: it is spent (reusing it is refused, and revokes the login).
      const reuse = await call(base, 'POST', '/api/auth/refresh', { body: { refreshToken: before.refreshToken } });
      assert.equal(reuse.status, 401);
      assert.deepEqual(tab.errors, []);
    } finally {
      await tab.close();
    }
  });

  it('a spent session sends the shopper to sign in, and back to the page they were on', async () => {
    const shopper = await registerShopper(base, 'Spent');
    const tab = await openTab(browser, DESKTOP, 'spent-session');
    const { page } = tab;
    try {
      await signInThroughPage(page, base, shopper.email, PASSWORD);
      await spendSession(page);
      await page.goto(`${base}/orders`);
      await page.waitForURL(`${base}/sign-in?next=${encodeURIComponent('/orders')}`);
      await tab.shot('01-sign-in-again');
      await page.getByLabel('Email').fill(shopper.email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${base}/orders`);
      await page.getByRole('heading', { name: 'Your orders' }).waitFor();
      await tab.shot('02-back-on-orders');
      // The refused refresh is the browser's to report; nothing else may fail.
      assert.deepEqual(
        tab.errors.filter((e) => !e.includes('401 (Unauthorized)')),
        [],
      );
    } finally {
      await tab.close();
    }
  });

  it('a shopper whose session is spent still browses the shop, signed out, without being sent to sign in', async () => {
    const shopper = await registerShopper(base, 'Away');
    const tab = await openTab(browser, DESKTOP, 'spent-browsing');
    const { page } = tab;
    try {
      await signInThroughPage(page, base, shopper.email, PASSWORD);
      await spendSession(page);
      const product = (await call(base, 'GET', '/api/products?limit=1')).body.items[0];
      for (const path of ['/', `/products/${product.slug}`]) {
        await page.goto(`${base}${path}`);
        await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' }).waitFor();
        assert.equal(new URL(page.url()).pathname, path, 'still on the page the shopper opened');
      }
      await page.getByRole('button', { name: 'Add to cart' }).waitFor();
      await page.getByRole('link', { name: 'Cart, 0 items' }).waitFor();
      await tab.shot('signed-out-product');
      assert.deepEqual(
        tab.errors.filter((e) => !e.includes('401 (Unauthorized)')),
        [],
      );
    } finally {
      await tab.close();
    }
  });

  it('the address saved in the profile fills the checkout, and the shopper can cancel the order they placed', async () => {
    const shopper = await registerShopper(base, 'Profile');
    const product = (await call(base, 'GET', '/api/products?limit=1')).body.items[0];
    await call(base, 'POST', '/api/cart/items', { token: shopper.token, body: { sku: product.sku, quantity: 1 } });
    const tab = await openTab(browser, DESKTOP, 'profile-cancel');
    const { page } = tab;
    try {
      await signInThroughPage(page, base, shopper.email, PASSWORD);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
      await page.getByRole('heading', { name: 'Your account' }).waitFor();
      await page.getByLabel('Address', { exact: true }).fill('7 Harbour Road');
      await page.getByLabel('City').fill('Portsmouth');
      await page.getByLabel('Postal code').fill('PO1 3AX');
      await page.getByLabel('Country').selectOption('GB');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText('Your profile is saved').waitFor();
      await tab.shot('01-profile-saved');

      await page.goto(`${base}/checkout`);
      await page.getByRole('button', { name: 'Place order' }).waitFor();
      assert.equal(await page.getByLabel('Address', { exact: true }).inputValue(), '7 Harbour Road');
      assert.equal(await page.getByLabel('Country').inputValue(), 'GB');
      await page.getByLabel('Mastercard •••• 4444 (test)').check();
      await page.getByRole('button', { name: 'Place order' }).click();
      await page.getByText('Your order is confirmed', { exact: false }).waitFor({ timeout: 30_000 });
      await page.getByRole('button', { name: 'Cancel order' }).click();
      await page.getByRole('button', { name: 'Yes, cancel it' }).click();
      await page.getByText('This order was cancelled on request', { exact: false }).waitFor({ timeout: 30_000 });
      await page.getByRole('heading', { name: /Cancelled/ }).waitFor();
      await tab.shot('02-cancelled');
      const orderId = page.url().split('/').pop() ?? '';
      const order = await call(base, 'GET', `/api/orders/${orderId}`, { token: shopper.token });
      assert.equal(order.body.status, 'cancelled');
      assert.equal(order.body.cancelReason, 'customer_request');
      assert.equal(order.body.shippingAddress.city, 'Portsmouth');
      assert.equal(order.body.payment.brand, 'mastercard');
      assert.deepEqual(tab.errors, []);
    } finally {
      await tab.close();
    }
  });

  it('an order of another shopper is not found, and leaks nothing', async () => {
    const owner = await registerShopper(base, 'Owner');
    const product = (await call(base, 'GET', '/api/products?limit=1')).body.items[0];
    const placed = await placeOrder(base, owner.token, product.sku);
    assert.equal(placed.status, 202);
    const other = await registerShopper(base, 'Other');
    const tab = await openTab(browser, DESKTOP, 'other-order');
    try {
      await signInThroughPage(tab.page, base, other.email, PASSWORD);
      await tab.page.goto(`${base}/orders/${placed.body.id}`);
      await tab.page.getByRole('heading', { name: 'Page not found' }).waitFor();
      assert.equal(await tab.page.getByText(ADDRESS.line1).count(), 0);
      assert.deepEqual(
        tab.errors.filter((e) => !e.includes('404 (Not Found)')),
        [],
      );
    } finally {
      await tab.close();
    }
  });
});
