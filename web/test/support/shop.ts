import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { DESKTOP, openTab, type Tab } from './browser.ts';

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: a black-box test reads untyped JSON answers
  body: any;
}

/** The public API, called as the web app calls it (for arranging what a test is not about, and for checking outcomes). */
export async function call(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

export const PASSWORD = 'correct horse battery';
export const ADDRESS = { line1: '1 Market St', city: 'Springfield', postalCode: '12345', country: 'US' };

export async function registerShopper(base: string, name: string): Promise<{ email: string; token: string; userId: string }> {
  const email = `${name.toLowerCase()}-${randomUUID()}@example.test`;
  const answer = await call(base, 'POST', '/api/auth/register', { body: { email, password: PASSWORD, name } });
  if (answer.status !== 201) throw new Error(`register answered ${answer.status}`);
  return { email, token: answer.body.accessToken, userId: answer.body.user.id };
}

export async function login(base: string, email: string, password: string): Promise<string> {
  const answer = await call(base, 'POST', '/api/auth/login', { body: { email, password } });
  if (answer.status !== 200) throw new Error(`login answered ${answer.status}`);
  return answer.body.accessToken;
}

/** A shopper's order of one unit of `sku`, placed through the API (for tests about what comes after). */
export async function placeOrder(base: string, token: string, sku: string, paymentToken = 'tok_visa'): Promise<Answer> {
  await call(base, 'POST', '/api/cart/items', { token, body: { sku, quantity: 1 } });
  return call(base, 'POST', '/api/orders', {
    token,
    headers: { 'idempotency-key': randomUUID() },
    body: { shippingAddress: ADDRESS, paymentToken },
  });
}

/** Signs in through the sign-in page, as a person does, and waits for the account link. */
export async function signInThroughPage(page: Page, base: string, email: string, password: string): Promise<void> {
  await page.goto(`${base}/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/`);
}

/** The access token the web app holds for the signed-in shopper. */
export async function tokenInPage(page: Page): Promise<string> {
  return page.evaluate(() => (JSON.parse(localStorage.getItem('mercato.session') ?? '{}') as { accessToken: string }).accessToken);
}

/** Opens `path` until `text` shows, as a person reloads a page that lags a moment behind a change. */
export async function reloadUntilVisible(page: Page, url: string, text: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.goto(url);
    const found = await page
      .getByText(text, { exact: false })
      .first()
      .waitFor({ timeout: 2_000 })
      .then(() => true)
      .catch(() => false);
    if (found) return;
    if (Date.now() > deadline) throw new Error(`${url} never showed “${text}”`);
  }
}

/** A desktop tab signed in through the sign-in page (a staff member's, in the staff and ops suites). */
export async function signedInTab(
  browser: Browser,
  base: string,
  account: { email: string; password: string },
  label: string,
): Promise<Tab> {
  const tab = await openTab(browser, DESKTOP, label);
  await signInThroughPage(tab.page, base, account.email, account.password);
  return tab;
}
