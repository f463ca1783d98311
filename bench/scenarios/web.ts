import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { PlatformProcess } from '@mercato/cli';
import type { Page } from 'puppeteer-core';
import { request } from 'undici';
import { type LighthouseBrowser, type LighthouseFigures, type Preset, startLighthouseBrowser } from '../lib/lighthouse.ts';
import { positiveInteger, ratio } from '../lib/measure-targets.ts';
import { withPlatform } from '../lib/platform.ts';
import type { Scenario, ScenarioResult } from '../lib/scenario.ts';
import { type ScriptBytes, scriptSizer } from '../lib/script-bytes.ts';
import { json } from '../lib/shoppers.ts';
import { startStaticPage } from '../lib/static-page.ts';

const ADMIN = { email: 'admin@bench.test', password: 'bench admin password' };
const PASSWORD = 'bench shopper password';
/** The aims the web app is held to (first visit, cold cache). */
const AIMS = { performance: 95, accessibility: 100, bestPractices: 95, lcpMs: 1000, jsGzipBytes: 100 * 1000 };

interface Product {
  sku: string;
  slug: string;
  name: string;
}

interface Registered {
  user: { id: string; email: string; name: string; roles: string[] };
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

interface Measured {
  page: string;
  preset: Preset;
  figures: LighthouseFigures;
  js: { transfer: number; bytes: number; gzip: number; count: number; encodings: string[] };
  /** For the cart: whether the run showed the shopper's cart (undefined on other pages). */
  verified?: string;
}

const kB = (bytes: number) => Number((bytes / 1000).toFixed(1));
/** A figure for a sentence: '-' when Lighthouse could not measure it. */
const shown = (value: number) => (Number.isFinite(value) ? String(value) : '-');

/** Fails with one clear line unless the gateway answers its home page with the web app's HTML. */
async function assertServesWebApp(base: string): Promise<void> {
  const answer = await request(`${base}/`);
  const body = await answer.body.text();
  const type = String(answer.headers['content-type'] ?? '');
  if (answer.statusCode !== 200 || !type.startsWith('text/html'))
    throw new Error(`the gateway does not serve the web app: GET / answered ${answer.statusCode} ${type} ${body.slice(0, 120)}`);
}

/** A shopper registered through the API with two different products in the cart, and the session as the web app stores it. */
async function shopperWithCart(base: string, products: Product[]): Promise<{ session: string }> {
  const registered = await json<Registered>(`${base}/api/auth/register`, {
    method: 'POST',
    body: { email: `bench-web-${randomUUID()}@shop.test`, password: PASSWORD, name: 'Web Bench Shopper' },
    expect: 201,
  });
  for (const product of products)
    await json(`${base}/api/cart/items`, { method: 'POST', token: registered.accessToken, body: { sku: product.sku, quantity: 1 } });
  const cart = await json<{ lines: unknown[] }>(`${base}/api/cart`, { token: registered.accessToken });
  const lines = cart.lines.length;
  if (lines !== products.length) throw new Error(`the shopper's cart holds ${lines} lines, not ${products.length}`);
  // web/src/lib/session.ts's shape; expiresAt is when the access token expires, in ms since the epoch.
  const session = {
    accessToken: registered.accessToken,
    refreshToken: registered.refreshToken,
    expiresAt: Date.now() + registered.expiresIn * 1000,
    user: registered.user,
  };
  return { session: JSON.stringify(session) };
}

/** What the cart run showed: the cart with both products, or why not. */
function cartVerdict(figures: LighthouseFigures, products: Product[]): string {
  const { text } = figures;
  const missing = products.filter((p) => !text.includes(p.name)).map((p) => p.name);
  if (text.includes('Sign in to see your cart')) return 'NO: the page asked to sign in';
  if (!text.includes('Your cart')) return `NO: no "Your cart" on the page (${text.slice(0, 80).replaceAll('\n', ' ')})`;
  if (missing.length > 0) return `NO: "Your cart" without ${missing.join(', ')}`;
  return `yes: "Your cart" with ${products.map((p) => p.name).join(' and ')}`;
}

async function javaScriptOf(figures: LighthouseFigures, size: (url: string) => Promise<ScriptBytes>): Promise<Measured['js']> {
  const sizes = await Promise.all(figures.scripts.map((s) => size(s.url)));
  return {
    transfer: figures.scripts.reduce((sum, s) => sum + s.transferSize, 0),
    bytes: sizes.reduce((sum, s) => sum + s.bytes, 0),
    gzip: sizes.reduce((sum, s) => sum + s.gzipBytes, 0),
    count: figures.scripts.length,
    encodings: [...new Set(sizes.map((s) => s.sentEncoding))],
  };
}

function aimsOf(m: Measured): { passed: string[]; missed: string[] } {
  const f = m.figures;
  const checks: [boolean, string][] = [
    [f.performance >= AIMS.performance, `performance ${shown(f.performance)} (≥ ${AIMS.performance})`],
    [f.accessibility >= AIMS.accessibility, `accessibility ${shown(f.accessibility)} (= ${AIMS.accessibility})`],
    [f.bestPractices >= AIMS.bestPractices, `best practices ${shown(f.bestPractices)} (≥ ${AIMS.bestPractices})`],
    [f.lcpMs < AIMS.lcpMs, `LCP ${shown(f.lcpMs)} ms (< ${AIMS.lcpMs} ms)`],
    [m.js.gzip <= AIMS.jsGzipBytes, `JS ${kB(m.js.gzip)} kB gzip (≤ ${kB(AIMS.jsGzipBytes)} kB)`],
  ];
  if (m.verified !== undefined) checks.push([m.verified.startsWith('yes'), 'cart rendered']);
  return { passed: checks.filter(([ok]) => ok).map(([, text]) => text), missed: checks.filter(([ok]) => !ok).map(([, text]) => text) };
}

/** Every preset: the baseline, then the home, a product and the signed-in cart page, each in a new tab with a cold cache. */
async function measure(
  platform: PlatformProcess,
  lighthouse: LighthouseBrowser,
  baselineUrl: string,
  presets: Preset[],
  runs: number,
  progress: (line: string) => void,
): Promise<ScenarioResult> {
  const base = platform.gatewayUrl;
  await assertServesWebApp(base);
  const { items } = await json<{ items: Product[] }>(`${base}/api/products?limit=2`);
  const [product] = items;
  if (!product || items.length < 2) throw new Error('the demo store has fewer than two products: was it seeded?');
  const { session } = await shopperWithCart(base, items);
  const size = scriptSizer();
  const targets: { page: string; url: string; signedIn?: boolean }[] = [
    { page: 'home /', url: `${base}/` },
    { page: `product /products/${product.slug}`, url: `${base}/products/${product.slug}` },
    { page: 'cart /cart (signed in, 2 items)', url: `${base}/cart`, signedIn: true },
  ];

  const measured: Measured[] = [];
  const baselineLcp = new Map<Preset, number>();
  for (const preset of presets) {
    progress(`${preset}: Lighthouse on the baseline, a bare static page at ${baselineUrl}…`);
    const baseline = await lighthouse.audit(baselineUrl, preset, { runs });
    baselineLcp.set(preset, baseline.lcpMs);
    measured.push({ page: 'baseline (static page)', preset, figures: baseline, js: await javaScriptOf(baseline, size) });
    for (const target of targets) {
      progress(`${preset}: Lighthouse on ${target.url}…`);
      // The session goes in through a same-origin document that loads no script, so the app's files stay uncached.
      const prepare = target.signedIn
        ? async (page: Page) => {
            await page.goto(`${base}/health/live`);
            await page.evaluate(`localStorage.setItem('mercato.session', ${JSON.stringify(session)})`);
          }
        : undefined;
      const figures = await lighthouse.audit(target.url, preset, { runs, prepare });
      const entry: Measured = { page: target.page, preset, figures, js: await javaScriptOf(figures, size) };
      if (target.signedIn) entry.verified = cartVerdict(figures, items);
      measured.push(entry);
    }
  }

  const rows = measured.map((m) => ({
    page: m.page,
    preset: m.preset,
    perf: m.figures.performance,
    'perf runs': m.figures.performanceRuns.map(shown).join(' '),
    a11y: m.figures.accessibility,
    'best pr.': m.figures.bestPractices,
    'LCP ms': m.figures.lcpMs,
    'LCP/base': ratio(m.figures.lcpMs, baselineLcp.get(m.preset) ?? Number.NaN),
    'TBT ms': m.figures.tbtMs,
    CLS: m.figures.cls,
    'JS files': m.js.count,
    'JS transfer kB': kB(m.js.transfer),
    'JS kB': kB(m.js.bytes),
    'JS gzip kB': kB(m.js.gzip),
  }));

  const summary: Record<string, string | number> = {};
  const encodings = [...new Set(measured.flatMap((m) => m.js.encodings))];
  summary['JS as sent'] =
    encodings.length === 0
      ? 'no scripts fetched'
      : encodings.includes('none')
        ? `the gateway sends scripts uncompressed (content-encoding: ${encodings.join(', ')}); "JS transfer kB" is what went over the wire, "JS gzip kB" is node:zlib gzip (level 6) of the same bodies`
        : `the gateway sends scripts with content-encoding ${encodings.join(', ')}; "JS gzip kB" is node:zlib gzip (level 6) of the bodies`;
  summary.presets = 'mobile = Lighthouse default (simulated slow 4G, 4× CPU slowdown, Moto G Power screen); desktop = --preset=desktop';
  summary.runs = `${runs} per page and preset, cold cache each; a row is the median run (Lighthouse's computeMedianRun: closest to the median FCP and TTI), "perf runs" every run's performance score`;
  summary.kB = '1000 bytes';
  for (const [preset, lcp] of baselineLcp) summary[`baseline LCP ms (${preset})`] = lcp;
  let met = 0;
  let total = 0;
  for (const m of measured.filter((x) => !x.page.startsWith('baseline'))) {
    const { passed, missed } = aimsOf(m);
    met += passed.length;
    total += passed.length + missed.length;
    summary[`aims ${m.page} (${m.preset})`] = `pass: ${passed.join(', ') || 'none'} | MISS: ${missed.join(', ') || 'none'}`;
  }
  summary.aims = `${met} of ${total} met (performance ≥ ${AIMS.performance}, accessibility ${AIMS.accessibility}, best practices ≥ ${AIMS.bestPractices}, LCP < ${AIMS.lcpMs} ms, first-visit JS ≤ ${kB(AIMS.jsGzipBytes)} kB gzip)`;
  for (const m of measured) {
    if (m.verified !== undefined) summary[`cart rendered (${m.preset})`] = m.verified;
  }
  for (const m of measured) {
    const label = `${m.page} (${m.preset})`;
    summary[`failing audits ${label}`] =
      m.figures.failing.length === 0
        ? 'none'
        : m.figures.failing.map((a) => `${a.id} "${a.title}"${a.displayValue ? ` [${a.displayValue}]` : ''} ${a.score}`).join('; ');
    if (m.figures.warnings.length > 0) summary[`Lighthouse warnings ${label}`] = m.figures.warnings.join(' | ');
  }
  summary['start to ready s'] = platform.readySeconds;
  return { rows, summary };
}

export const scenario: Scenario = {
  name: 'web',
  description: 'Lighthouse 12 (mobile and desktop presets) on the home, a product and a signed-in cart page, vs a bare static page',
  options: '[--presets mobile,desktop] [--runs 3]',
  async run(args, progress) {
    const { values } = parseArgs({
      args,
      options: { presets: { type: 'string', default: 'mobile,desktop' }, runs: { type: 'string', default: '3' } },
    });
    const runs = positiveInteger('runs', values.runs);
    const presets = values.presets.split(',').map((p) => p.trim());
    for (const p of presets)
      if (p !== 'mobile' && p !== 'desktop') throw new RangeError(`--presets takes mobile and/or desktop (got ${p})`);
    const env = {
      MERCATO_SEED: 'demo',
      MERCATO_RATE_LIMIT_ANON: '0',
      MERCATO_RATE_LIMIT_USER: '0',
      MERCATO_RATE_LIMIT_AUTH: '0',
      MERCATO_ADMIN_EMAIL: ADMIN.email,
      MERCATO_ADMIN_PASSWORD: ADMIN.password,
    };

    const baselinePage = await startStaticPage();
    let browser: LighthouseBrowser | undefined;
    try {
      browser = await startLighthouseBrowser();
      const lighthouse = browser;
      return await withPlatform(env, progress, (platform) =>
        measure(platform, lighthouse, baselinePage.url, presets as Preset[], runs, progress).catch((error: unknown) => {
          // The platform's own words say why a page stopped answering.
          const tail = platform.output().trimEnd().split('\n').slice(-30).join('\n');
          throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- mercato up, last lines ---\n${tail}`, {
            cause: error,
          });
        }),
      );
    } finally {
      await browser?.close();
      await baselinePage.stop();
    }
  },
};
