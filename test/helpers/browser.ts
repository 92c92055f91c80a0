// A real Chromium (Debian's /usr/bin/chromium, installed by scripts/install-chromium.sh) driven by
// playwright-core, for the dashboard tests: open a page, wait until the UI says it has settled, read
// what its charts drew, keep console errors, save screenshots under test-artifacts/ (git-ignored).
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');

export interface DrawnChart {
  id: string;
  title: string;
  kind: string;
  from: number;
  to: number;
  series: { label: string; points: number; min: number | null; max: number | null; maxAt: number | null }[];
  markers: { t: number; v: number; text: string }[];
  spans: { start: number; end?: number; text: string }[];
  draws: number;
}

export interface Probe {
  ready: boolean;
  pending: number;
  loads: number;
  page: string;
  charts: Record<string, DrawnChart>;
  requests: string[];
  errors: string[];
}

/** Launches the browser; fails with the install command when it is missing. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run bash scripts/install-chromium.sh`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** A page that records console errors, failed requests and uncaught exceptions. */
export async function openPage(browser: Browser, opts: { width?: number; height?: number } = {}): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: opts.width ?? 1440, height: opts.height ?? 900 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`exception: ${e.message}`));
  page.on('requestfailed', (r) => {
    // An aborted fetch is the page dropping a superseded request, not a failure.
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  return { page, problems };
}

/** Waits until the UI's probe says every load is done (after at least `minLoads` loads). */
export async function settled(page: Page, minLoads = 1, timeout = 30_000): Promise<Probe> {
  await page.waitForFunction((n) => window.__fleetscope?.ready === true && window.__fleetscope.loads >= n, minLoads, { timeout });
  // One more frame so that charts created by the last load have drawn.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(undefined))));
  return page.evaluate(() => JSON.parse(JSON.stringify(window.__fleetscope)) as Probe);
}

export async function probe(page: Page): Promise<Probe> {
  return page.evaluate(() => JSON.parse(JSON.stringify(window.__fleetscope)) as Probe);
}

/** Saves a full-page screenshot as test-artifacts/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

// Functions passed to page.evaluate run in the page; the test project has no DOM types, so declare
// the little they use.
declare global {
  var window: { __fleetscope: Probe };
  var location: { href: string };
  function requestAnimationFrame(cb: () => void): number;
}
