import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { assertNoConsoleErrors, launchBrowser, seriousViolations, type Tab } from './support/browser.ts';
import { ADMIN, startPlatform, type WebPlatform } from './support/platform.ts';
import { type Answer, call, login, placeOrder, registerShopper, signedInTab } from './support/shop.ts';

// The operators' console in Debian's Chromium: the service map, the business charts, platform events,
// and an order followed from the admin page to its trace's waterfall.

let platform: WebPlatform;
let browser: Browser;
let base: string;
let adminToken: string;

before(async () => {
  platform = await startPlatform('ops');
  base = platform.base;
  browser = await launchBrowser();
  adminToken = await login(base, ADMIN.email, ADMIN.password);
});

after(async () => {
  await browser?.close();
  await platform?.stop();
});

const adminTab = (name: string): Promise<Tab> => signedInTab(browser, base, ADMIN, name);

/** A shopper's order of the cheapest product, followed until the checkout settles it. */
async function settledOrder(): Promise<{ id: string; status: string }> {
  const shopper = await registerShopper(base, 'Traced');
  const product = (await call(base, 'GET', '/api/products?limit=1&sort=price_asc')).body.items[0];
  const placed = await placeOrder(base, shopper.token, product.sku);
  assert.equal(placed.status, 202);
  let order: Answer = placed;
  const deadline = Date.now() + 30_000;
  while (order.body.status === 'pending' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    order = await call(base, 'GET', `/api/orders/${placed.body.id}`, { token: shopper.token });
  }
  assert.notEqual(order.body.status, 'pending', 'the checkout settled the order');
  return { id: placed.body.id, status: order.body.status };
}

describe('the ops console in Chromium', () => {
  it('the ops routes the console reads answer an admin, and refuse a customer (403) and anyone signed out (401)', async () => {
    const customer = await registerShopper(base, 'Curious');
    for (const path of ['/api/ops/traces', '/api/ops/service-map', '/api/ops/events']) {
      assert.equal((await call(base, 'GET', path, { token: adminToken })).status, 200, `admin ${path}`);
      assert.equal((await call(base, 'GET', path, { token: customer.token })).status, 403, `customer ${path}`);
      assert.equal((await call(base, 'GET', path)).status, 401, `anonymous ${path}`);
    }
  });

  it('an admin opens /ops and sees the service map with its legend, the business charts and the platform events', async () => {
    // Traffic for the map and the figures: an order crosses the gateway, orders, inventory and payments.
    await settledOrder();
    const tab = await adminTab('ops-console');
    try {
      await tab.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Ops' }).click();
      await tab.page.getByRole('heading', { name: 'Service map' }).waitFor();
      const map = tab.page.getByRole('img', { name: /^Service map: \d+ services and \d+ connections/ });
      await map.waitFor();
      for (const name of ['gateway', 'orders', 'payments', 'inventory'])
        await map.locator('text.map-node-name', { hasText: new RegExp(`^${name}$`) }).waitFor();
      assert.ok((await map.locator('path[stroke-dasharray]').count()) > 0, 'a bus edge is drawn dashed');
      await tab.page.getByText('HTTP call (solid)').waitFor();
      await tab.page.getByText('Event or command over the bus (dashed)').waitFor();
      await tab.page.getByRole('heading', { name: 'Business' }).waitFor();
      const placed = tab.page.locator('.business-figures div', { hasText: 'Orders placed' }).locator('dd');
      await placed.waitFor();
      assert.ok(Number(await placed.textContent()) >= 1, 'the order placed a moment ago is counted');
      // The charts draw from the second poll on (one poll every 3 s).
      await tab.page.getByRole('img', { name: /^Orders per minute/ }).waitFor({ timeout: 20_000 });
      await tab.page.getByRole('img', { name: /^Revenue confirmed per minute/ }).waitFor();
      await tab.page.getByRole('img', { name: /^Saga step p99/ }).waitFor();
      await tab.page.getByRole('heading', { name: 'Platform events' }).waitFor();
      await tab.page
        .locator('section[aria-labelledby="events-heading"]')
        .getByText(/Loading events/)
        .waitFor({ state: 'detached' });
      await tab.shot('console');
      assert.deepEqual(await seriousViolations(tab.page), []);
      assertNoConsoleErrors(tab);
    } finally {
      await tab.close();
    }
  });

  it('from an order’s admin page, “Trace” leads to a waterfall with spans from several services, each opening its attributes', async () => {
    const order = await settledOrder();
    const tab = await adminTab('ops-trace');
    try {
      await tab.page.goto(`${base}/admin/orders/${order.id}`);
      await tab.page.getByRole('heading', { name: `Order ${order.id.slice(-8)}` }).waitFor();
      await tab.shot('01-order');
      await tab.page.getByRole('link', { name: 'Trace', exact: true }).click();
      // Straight to the trace when the order has one; from the list otherwise, the trace that crossed the most services.
      await tab.page.waitForURL(/\/ops\/traces/);
      const spans = tab.page.getByRole('heading', { name: 'Spans' });
      const list = tab.page.locator('.traces-table');
      await spans.or(list).first().waitFor();
      if (await list.isVisible()) {
        await tab.shot('02-traces-of-the-order');
        assert.deepEqual(await seriousViolations(tab.page), [], 'the traces list');
        const rows = list.locator('tbody tr');
        const counts = await rows.evaluateAll((trs) => trs.map((tr) => tr.querySelectorAll('.service-names li').length));
        const widest = counts.indexOf(Math.max(...counts));
        await rows.nth(widest).getByRole('link').click();
        await spans.waitFor();
      }
      assert.match(tab.page.url(), /\/ops\/traces\/[0-9a-f]{32}/);
      const services = new Set(await tab.page.locator('.waterfall .span-service').allTextContents());
      assert.ok(services.size >= 3, `spans from several services (${[...services].join(', ')})`);
      assert.ok(
        services.has('gateway') && services.has('orders'),
        `the request came through the gateway to orders (${[...services].join(', ')})`,
      );
      await tab.shot('03-waterfall');

      // Keyboard: the rows are buttons; arrows move between them, Enter opens one.
      const toggles = tab.page.locator('.span-toggle');
      await toggles.first().focus();
      await tab.page.keyboard.press('ArrowDown');
      await tab.page.keyboard.press('Enter');
      assert.equal(await toggles.nth(1).getAttribute('aria-expanded'), 'true');
      await tab.page.getByRole('heading', { name: 'Attributes' }).waitFor();
      await tab.shot('04-span-open');
      assert.deepEqual(await seriousViolations(tab.page), [], 'the trace page');
      assertNoConsoleErrors(tab);
    } finally {
      await tab.close();
    }
  });
});
