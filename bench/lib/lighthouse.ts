import { launch } from 'chrome-launcher';
import lighthouse, { desktopConfig, type Flags, type Result } from 'lighthouse';
import { computeMedianRun, filterToValidRuns } from 'lighthouse/core/lib/median-run.js';
import puppeteer, { type Page } from 'puppeteer-core';

/** Debian's Chromium (`apt-get install chromium`), as the browser suite uses it. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROME_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
const CATEGORIES = ['performance', 'accessibility', 'best-practices'] as const;
/** Attempts per run: Lighthouse sometimes loses the trace on this machine (NO_NAVSTART) and says to run it again. */
const ATTEMPTS = 3;
/** Audit modes that have no pass or fail. */
const UNSCORED = new Set(['informative', 'notApplicable', 'manual', 'error']);

/** Lighthouse's default (mobile: Moto G Power, slow 4G, 4× CPU slowdown, simulated) or its `--preset=desktop`. */
export type Preset = 'mobile' | 'desktop';

export interface LighthouseFigures {
  /** Category scores, 0–100. */
  performance: number;
  accessibility: number;
  bestPractices: number;
  lcpMs: number;
  tbtMs: number;
  cls: number;
  /** Every script the page load fetched (Lighthouse's network requests, resourceType Script). */
  scripts: { url: string; transferSize: number; resourceSize: number }[];
  /** Scored audits of the three categories below 0.9, worst first. */
  failing: { id: string; title: string; score: number; displayValue?: string }[];
  finalUrl: string;
  /** Lighthouse's run warnings, and its runtime error if it had one. */
  warnings: string[];
  /** `document.body.innerText` of the tab after the run: what the page showed. */
  text: string;
  /** The performance score of every run, in order (the figures above are the median run's). */
  performanceRuns: number[];
}

export interface LighthouseBrowser {
  /**
   * Lighthouse `runs` times on `url`, each in a new tab of the one Chromium, and the median run (Lighthouse's
   * own choice: the run closest to the median FCP and TTI). `prepare` runs in the tab first (e.g. to put
   * a session into localStorage); storage reset stays on, and Lighthouse 12 clears only file systems,
   * shader cache, service workers and cache storage, plus the browser's HTTP cache: localStorage stays,
   * every file is fetched again. A run that ends in a Lighthouse runtime error is tried again.
   */
  audit(url: string, preset: Preset, options: { runs: number; prepare?: (page: Page) => Promise<void> }): Promise<LighthouseFigures>;
  close(): Promise<void>;
}

/** Starts Chromium through chrome-launcher (the flags of DEVELOPERS.md) and drives Lighthouse 12 in it through puppeteer-core. */
export async function startLighthouseBrowser(): Promise<LighthouseBrowser> {
  const chrome = await launch({ chromePath: CHROMIUM, chromeFlags: CHROME_FLAGS, logLevel: 'silent' });
  try {
    const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}`, defaultViewport: null });
    return {
      async audit(url, preset, { runs, prepare }) {
        const once = async (): Promise<{ lhr: Result; text: string }> => {
          const page = await browser.newPage();
          try {
            if (prepare) await prepare(page);
            const flags: Flags = { output: 'json', logLevel: 'error', onlyCategories: [...CATEGORIES] };
            const runner = await lighthouse(url, flags, preset === 'desktop' ? desktopConfig : undefined, page);
            if (!runner) throw new Error(`Lighthouse returned nothing for ${url}`);
            // A string: bench/ compiles without the DOM's types.
            const text = String(await page.evaluate('document.body ? document.body.innerText : ""').catch(() => ''));
            return { lhr: runner.lhr, text };
          } finally {
            await page.close().catch(() => undefined);
          }
        };
        const done: { lhr: Result; text: string }[] = [];
        const retried: string[] = [];
        for (let run = 0; run < runs; run++) {
          for (let attempt = 1; ; attempt++) {
            const result = await once();
            const error = result.lhr.runtimeError;
            if (!error || attempt === ATTEMPTS) {
              done.push(result);
              break;
            }
            retried.push(`run ${run + 1} tried again after ${error.code}`);
          }
        }
        const valid = filterToValidRuns(done.map((d) => d.lhr));
        const median = valid.length > 0 ? computeMedianRun(valid) : done[done.length - 1]?.lhr;
        const chosen = done.find((d) => d.lhr === median);
        if (!chosen) throw new Error(`no Lighthouse run of ${url}`);
        const figures = figuresOf(chosen.lhr);
        return {
          ...figures,
          warnings: [...figures.warnings, ...retried],
          text: chosen.text,
          performanceRuns: done.map((d) => Math.round((d.lhr.categories.performance?.score ?? Number.NaN) * 100)),
        };
      },
      async close() {
        await browser.disconnect();
        chrome.kill();
      },
    };
  } catch (error) {
    chrome.kill();
    throw error;
  }
}

function figuresOf(lhr: Result): Omit<LighthouseFigures, 'text' | 'performanceRuns'> {
  const score = (id: string) => Math.round((lhr.categories[id]?.score ?? Number.NaN) * 100);
  const metric = (id: string) => lhr.audits[id]?.numericValue ?? Number.NaN;
  const requests = (lhr.audits['network-requests']?.details as { items?: Record<string, unknown>[] } | undefined)?.items ?? [];
  const scripts = requests
    .filter((r) => r.resourceType === 'Script')
    .map((r) => ({ url: String(r.url), transferSize: Number(r.transferSize ?? 0), resourceSize: Number(r.resourceSize ?? 0) }));
  const failing = new Map<string, LighthouseFigures['failing'][number]>();
  for (const category of CATEGORIES) {
    for (const ref of lhr.categories[category]?.auditRefs ?? []) {
      const audit = lhr.audits[ref.id];
      if (!audit || audit.score === null || UNSCORED.has(audit.scoreDisplayMode) || audit.score >= 0.9) continue;
      failing.set(audit.id, {
        id: audit.id,
        title: audit.title,
        score: audit.score,
        ...(audit.displayValue ? { displayValue: audit.displayValue } : {}),
      });
    }
  }
  const warnings = lhr.runWarnings.map(String);
  if (lhr.runtimeError) warnings.unshift(`${lhr.runtimeError.code}: ${lhr.runtimeError.message}`);
  return {
    performance: score('performance'),
    accessibility: score('accessibility'),
    bestPractices: score('best-practices'),
    lcpMs: Math.round(metric('largest-contentful-paint')),
    tbtMs: Math.round(metric('total-blocking-time')),
    cls: Number(metric('cumulative-layout-shift').toFixed(3)),
    scripts,
    failing: [...failing.values()].sort((a, b) => a.score - b.score),
    finalUrl: lhr.finalDisplayedUrl,
    warnings,
  };
}
