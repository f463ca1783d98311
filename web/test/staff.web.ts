import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { assertNoConsoleErrors, DESKTOP, launchBrowser, openTab, seriousViolations, type Tab } from './support/browser.ts';
import { ADMIN, startPlatform, type WebPlatform } from './support/platform.ts';
import { call, login, PASSWORD, placeOrder, registerShopper, reloadUntilVisible, signedInTab, signInThroughPage } from './support/shop.ts';

// Staff and operators in Debian's Chromium: the admin pages, the ops console, and what a customer may not see.

const SERVICES = ['identity', 'catalog', 'inventory', 'cart', 'orders', 'payments', 'recommendations'];

let platform: WebPlatform;
let browser: Browser;
let base: string;
let adminToken: string;

before(async () => {
  platform = await startPlatform('staff');
  base = platform.base;
  browser = await launchBrowser();
  adminToken = await login(base, ADMIN.email, ADMIN.password);
});

after(async () => {
  await browser?.close();
  await platform?.stop();
});

const adminTab = (name: string): Promise<Tab> => signedInTab(browser, base, ADMIN, name);

describe('staff in Chromium', () => {
  it('an admin changes a price in the admin pages and a shopper’s product page shows the new price', async () => {
    const listed = await call(base, 'GET', '/api/products?limit=1&sort=price_asc');
    const product = listed.body.items[0];
    const admin = await adminTab('admin-price');
    const shopper = await openTab(browser, DESKTOP, 'shopper-price');
    try {
      await admin.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
      await admin.page.getByRole('heading', { name: 'Products' }).waitFor();
      await admin.page.getByRole('searchbox', { name: 'Search products', exact: true }).last().fill(product.name);
      await admin.page.getByRole('button', { name: 'Search', exact: true }).last().click();
      await admin.page.getByRole('table').getByRole('link', { name: product.name }).click();
      const price = admin.page.getByLabel(/^Price/);
      await admin.page.getByRole('heading', { name: `Edit ${product.name}` }).waitFor();
      await admin.shot('01-edit-product');
      await price.fill('123.45');
      await admin.page.getByRole('button', { name: 'Save changes' }).click();
      await admin.page.getByText(`${product.name} is saved`).waitFor();
      await admin.shot('02-saved');

      await reloadUntilVisible(shopper.page, `${base}/products/${product.slug}`, '$123.45');
      await shopper.shot('03-shopper-sees-new-price');
      const api = await call(base, 'GET', `/api/products/${product.id}`);
      assert.deepEqual(api.body.price, { amount: 12345, currency: 'USD' });
      assertNoConsoleErrors(admin);
      assertNoConsoleErrors(shopper);
    } finally {
      await admin.close();
      await shopper.close();
    }
  });

  it('an admin ships an order and its owner sees shipped with the carrier and tracking number', async () => {
    const owner = await registerShopper(base, 'Owner');
    const product = (await call(base, 'GET', '/api/products?limit=1&sort=price_desc')).body.items[0];
    const placed = await placeOrder(base, owner.token, product.sku);
    assert.equal(placed.status, 202);
    const orderId: string = placed.body.id;
    // Staff ship confirmed orders: wait, as they would, until the checkout has confirmed it.
    const deadline = Date.now() + 30_000;
    let status = placed.body.status;
    while (status === 'pending' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      status = (await call(base, 'GET', `/api/orders/${orderId}`, { token: owner.token })).body.status;
    }
    assert.equal(status, 'confirmed');

    const admin = await adminTab('admin-ship');
    const shopper = await openTab(browser, DESKTOP, 'owner-ship');
    try {
      await admin.page.goto(`${base}/admin/orders`);
      await admin.page.getByLabel('Status').selectOption('confirmed');
      await reloadUntilVisible(admin.page, `${base}/admin/orders?status=confirmed`, `Order ${orderId.slice(-8)}`);
      await admin.shot('01-confirmed-orders');
      await admin.page.getByRole('link', { name: `Order ${orderId.slice(-8)}` }).click();
      await admin.page.getByLabel('Carrier').fill('DHL');
      await admin.page.getByLabel('Tracking number').fill('JD014600006281');
      await admin.shot('02-ship-form');
      await admin.page.getByRole('button', { name: 'Mark as shipped' }).click();
      await admin.page.getByText('The order is shipped').waitFor();
      await admin.page.getByRole('heading', { name: /Shipped/ }).waitFor();
      await admin.shot('03-shipped');

      await signInThroughPage(shopper.page, base, owner.email, PASSWORD);
      await shopper.page.goto(`${base}/orders/${orderId}`);
      await shopper.page.getByText('Shipped with DHL, tracking number JD014600006281').waitFor();
      await shopper.shot('04-owner-sees-shipment');
      const order = await call(base, 'GET', `/api/orders/${orderId}`, { token: owner.token });
      assert.equal(order.body.status, 'shipped');
      assert.deepEqual(order.body.shipment, { carrier: 'DHL', trackingNumber: 'JD014600006281' });
      assertNoConsoleErrors(admin);
      assertNoConsoleErrors(shopper);
    } finally {
      await admin.close();
      await shopper.close();
    }
  });

  it('a customer sees no admin links, the admin and ops pages say they are not allowed, and the admin API answers 403', async () => {
    const customer = await registerShopper(base, 'Customer');
    const tab = await openTab(browser, DESKTOP, 'customer-not-allowed');
    try {
      await signInThroughPage(tab.page, base, customer.email, PASSWORD);
      const nav = tab.page.getByRole('navigation', { name: 'Main' });
      await nav.getByRole('link', { name: 'Account' }).waitFor();
      assert.equal(await nav.getByRole('link', { name: 'Admin' }).count(), 0);
      assert.equal(await nav.getByRole('link', { name: 'Ops' }).count(), 0);
      for (const path of ['/admin', '/admin/orders', '/ops']) {
        await tab.page.goto(`${base}${path}`);
        await tab.page.getByText('You are not allowed to see this page.').waitFor();
        await tab.shot(`not-allowed${path.replaceAll('/', '-')}`);
      }
      const attempts: [string, string, unknown?][] = [
        ['GET', '/api/admin/orders'],
        ['GET', '/api/admin/inventory'],
        ['GET', '/api/ops/services'],
        ['GET', '/api/ops/metrics'],
        ['PUT', '/api/inventory/ANY-SKU', { onHand: 1 }],
        ['POST', '/api/products', { name: 'x' }],
      ];
      for (const [method, path, body] of attempts) {
        const answer = await call(base, method, path, { token: customer.token, body });
        assert.equal(answer.status, 403, `${method} ${path}`);
      }
      assertNoConsoleErrors(tab);
    } finally {
      await tab.close();
    }
  });

  it('the ops console lists every service with a healthy instance', async () => {
    const tab = await adminTab('ops');
    try {
      await tab.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Ops' }).click();
      await tab.page.getByRole('heading', { name: 'Services' }).waitFor();
      for (const name of SERVICES) await tab.page.getByRole('listitem', { name: `${name}: healthy` }).waitFor();
      await tab.page.getByRole('img', { name: /Requests per second/ }).waitFor({ timeout: 20_000 });
      await tab.shot('console');
      assertNoConsoleErrors(tab);
    } finally {
      await tab.close();
    }
  });

  it('the admin product list and stock page have no serious or critical accessibility violation (axe-core)', async () => {
    const tab = await adminTab('axe-admin');
    try {
      await tab.page.goto(`${base}/admin/products`);
      await tab.page.getByRole('table').waitFor();
      await tab.shot('products');
      const products = await seriousViolations(tab.page);
      await tab.page.goto(`${base}/admin/stock`);
      await tab.page.getByRole('table').waitFor();
      await tab.shot('stock');
      const stock = await seriousViolations(tab.page);
      assert.deepEqual({ products, stock }, { products: [], stock: [] });
      assert.ok(adminToken);
      assertNoConsoleErrors(tab);
    } finally {
      await tab.close();
    }
  });
});
