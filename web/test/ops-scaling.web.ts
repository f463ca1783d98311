import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SERVICE_NAMES } from '@mercato/kit';
import type { Browser } from 'playwright-core';
import { assertNoConsoleErrors, launchBrowser, seriousViolations, type Tab } from './support/browser.ts';
import { ADMIN, startPlatform, type WebPlatform } from './support/platform.ts';
import { call, login, registerShopper, signedInTab } from './support/shop.ts';

// The console's Scaling page and its platform events in Debian's Chromium, on `mercato up` as a user
// starts it (autoscaling off), and one instance killed for real so the supervisor's restart shows.

let platform: WebPlatform;
let browser: Browser;
let base: string;
let adminToken: string;

before(async () => {
  platform = await startPlatform('scaling');
  base = platform.base;
  browser = await launchBrowser();
  adminToken = await login(base, ADMIN.email, ADMIN.password);
});

after(async () => {
  await browser?.close();
  await platform?.stop();
});

const adminTab = (name: string): Promise<Tab> => signedInTab(browser, base, ADMIN, name);
const eventsSection = (tab: Tab) => tab.page.locator('section[aria-labelledby="events-heading"]');

describe('the scaling page and the platform events in Chromium', () => {
  it('GET /api/ops/scaling answers an admin, and refuses a customer (403) and anyone signed out (401)', async () => {
    const customer = await registerShopper(base, 'Scaler');
    const answer = await call(base, 'GET', '/api/ops/scaling', { token: adminToken });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.autoscaling, false);
    assert.equal((await call(base, 'GET', '/api/ops/scaling', { token: customer.token })).status, 403);
    assert.equal((await call(base, 'GET', '/api/ops/scaling')).status, 401);
  });

  it('with autoscaling off (plain mercato up), the Scaling tab lists every service as “autoscaling off”, says how to turn it on, and is axe clean', async () => {
    const tab = await adminTab('ops-scaling');
    try {
      await tab.page.goto(`${base}/ops`);
      await tab.page.getByRole('navigation', { name: 'Operations sections' }).getByRole('link', { name: 'Scaling' }).click();
      await tab.page.getByRole('heading', { name: 'Scaling', level: 1 }).waitFor();
      await tab.page.getByText('Autoscaling is off; start with mercato up --autoscale').waitFor();
      const table = tab.page.getByRole('table', { name: /instances and the autoscaler’s last decision/ });
      for (const name of SERVICE_NAMES) {
        const row = table.getByRole('row').filter({ has: tab.page.getByRole('rowheader', { name, exact: true }) });
        await row.waitFor();
        const cells = await row.getByRole('cell').allTextContents();
        assert.equal(cells[0], cells[1], `${name}: desired = instances (${cells.join(' | ')})`);
        assert.ok(Number(cells[0]) >= 1, `${name} runs at least one instance`);
        assert.equal(cells[3], 'autoscaling off', `${name}'s reason`);
      }
      // A chart per service from the second poll on (one every 5 s), each with its summary in words.
      const chart = tab.page.getByRole('img', { name: /^catalog: catalog: \d+ instances? now/ });
      await chart.waitFor({ timeout: 20_000 });
      assert.match((await chart.getAttribute('aria-label')) ?? '', /no forecast\.$/);
      assert.equal(await tab.page.locator('.scaling-figure').count(), SERVICE_NAMES.length);
      // Keyboard: the tabs are reachable and say which page is current.
      const current = tab.page.getByRole('link', { name: 'Scaling' });
      assert.equal(await current.getAttribute('aria-current'), 'page');
      await tab.shot('autoscaling-off');
      assert.deepEqual(await seriousViolations(tab.page), []);
      assertNoConsoleErrors(tab);
    } finally {
      await tab.close();
    }
  });

  it('an instance killed with SIGKILL is restarted by the supervisor, and the console says so in words and filters to it', async () => {
    const cart = platform.table.get('cart');
    assert.ok(cart, `the status table lists cart (${[...platform.table.keys()].join(', ')})`);
    process.kill(cart.pid, 'SIGKILL');
    let restarted: { kind: string; service: string; detail: Record<string, unknown> } | undefined;
    const deadline = Date.now() + 60_000;
    while (!restarted && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const page = await call(base, 'GET', '/api/ops/events?limit=100', { token: adminToken });
      restarted = page.body.items?.find((e: { kind: string; service: string }) => e.kind === 'restarted' && e.service === 'cart');
    }
    assert.ok(restarted, 'a restarted event for cart within 60 s');
    // The event is recorded when the restart starts: the pages below call cart (the header's cart), so wait until it answers again.
    while ((await call(base, 'GET', '/health/services/cart')).status !== 200 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 500));

    const tab = await adminTab('ops-events');
    try {
      await tab.page.goto(`${base}/ops`);
      const events = eventsSection(tab);
      await events.getByRole('table').waitFor();
      await events.getByLabel('Show').selectOption('restarted');
      const row = events.locator('tbody tr[data-kind="restarted"]').first();
      await row.waitFor();
      assert.match((await row.textContent()) ?? '', /cart restarted after it crashed \(SIGKILL\), attempt 1/);
      // Only restarts are listed now.
      assert.deepEqual(
        [...new Set(await events.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-kind'))))],
        ['restarted'],
      );
      await tab.shot('restarted');
      assert.deepEqual(await seriousViolations(tab.page), []);
      assertNoConsoleErrors(tab);
    } finally {
      await tab.close();
    }
  });
});
