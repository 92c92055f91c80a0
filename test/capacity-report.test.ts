// Opens the rendered capacity report in a real Chromium (Debian's, via playwright-core; scripts/install-chromium.sh)
// and checks that every chart is drawn. A missing browser fails the test (scripts/test.sh installs it).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport } from '../analysis/capacity/report.ts';
import { capacityFixture, EVIL_HOST } from '../analysis/capacity/testdata/snapshot-fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = resolve(import.meta.dirname, '..', '.cache', 'capacity-report');
if (!existsSync(CHROMIUM)) {
  throw new Error(`cannot run the capacity report browser test: ${CHROMIUM} is missing (run scripts/install-chromium.sh)`);
}

interface ChartInfo {
  readonly key: string | null;
  readonly width: number;
  readonly height: number;
  readonly drawn: number;
  readonly nanAttributes: string[];
  readonly title: string;
}

describe('capacity report in Chromium', () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleetscope-capacity-report-'));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['all sites', undefined, 8],
    ['fra1', 'fra1', 5],
  ])('draws every chart of the report for %s, with no console errors', async (name, site, charts) => {
    const file = join(dir, `report-${name.replace(/\W+/g, '-')}.html`);
    writeFileSync(file, renderReport(capacityFixture(), { site }).html);
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    // Nothing may be fetched: the page is self-contained.
    page.on('request', (r) => {
      if (r.url() !== pathToFileURL(file).href) problems.push(`request: ${r.url()}`);
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

    const info = await page.$$eval('svg.chart', (svgs) =>
      svgs.map((svg) => {
        const box = svg.getBoundingClientRect();
        const nan: string[] = [];
        for (const el of [svg, ...svg.querySelectorAll('*')]) {
          for (const a of el.attributes) if (/NaN|undefined|Infinity/.test(a.value)) nan.push(`${el.tagName} ${a.name}="${a.value.slice(0, 40)}"`);
        }
        const drawn = [...svg.querySelectorAll('path, rect, circle')].filter((el) => {
          const b = (el as unknown as { getBBox(): { width: number; height: number } }).getBBox();
          return b.width > 0 || b.height > 0;
        }).length;
        return { key: svg.getAttribute('data-chart'), width: box.width, height: box.height, drawn, nanAttributes: nan, title: svg.querySelector('title')?.textContent ?? '' };
      }),
    ) as ChartInfo[];

    expect(info).toHaveLength(charts);
    for (const c of info) {
      expect(c.width, c.key ?? '').toBeGreaterThan(100);
      expect(c.height, c.key ?? '').toBeGreaterThan(50);
      expect(c.drawn, c.key ?? '').toBeGreaterThan(0);
      expect(c.nanAttributes, c.key ?? '').toEqual([]);
      expect(c.title, c.key ?? '').not.toBe('');
    }
    const kinds = new Set(info.map((c) => c.key?.split(':')[0]));
    expect(kinds).toEqual(new Set(['headroom', 'throughput', 'forecast']));
    // Forecast charts have a shaded band; headroom has bars; throughput has points and a curve.
    expect(await page.locator('svg[data-chart^="forecast:"] path.band').count()).toBe(info.filter((c) => c.key?.startsWith('forecast:')).length);
    expect(await page.locator('svg[data-chart^="headroom:"] rect.bar').count()).toBeGreaterThan(0);
    expect(await page.locator('svg[data-chart^="throughput:"] circle.point').count()).toBeGreaterThan(0);

    if (site === undefined) {
      // The injected host name is text, not an element.
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.getByText(EVIL_HOST, { exact: true }).count()).toBeGreaterThan(0);
    }
    expect(problems).toEqual([]);

    mkdirSync(SCREENSHOTS, { recursive: true });
    const shot = join(SCREENSHOTS, `report-${name.replace(/\W+/g, '-')}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    expect(existsSync(shot)).toBe(true);
    await page.close();
  });
});
