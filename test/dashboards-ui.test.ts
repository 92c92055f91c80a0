// The dashboards in a real Chromium (Debian's, driven by playwright-core) against a running fleetscope
// fed with a generated fleet: every page loads without console errors, charts draw the series they
// should, a planted spike is the maximum of the drawn data, anomaly markers sit where the analysis job
// found the anomalies, drag-zoom changes the URL and refetches, and the query console shows a syntax
// error at its position. Screenshots of each page land in test-artifacts/ (git-ignored) for a person
// to look at.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../bin/config.ts';
import { parseRoles } from '../bin/roles.ts';
import { buildServer, type Server } from '../bin/serve.ts';
import { existsSync } from 'node:fs';
import { UI_DIR } from '../lib/ui-static.ts';
import { launchBrowser, openPage, probe, screenshot, settled, type Probe } from './helpers/browser.ts';
import { FLEET_MODELS, loadSyntheticFleet, WEB, type LoadedSyntheticFleet } from './helpers/synthetic-fleet.ts';
import { freePortsEnv } from './helpers/fleetscope.ts';

const STEP = 60_000;
const SPIKE = { host: 'web-07', value: 5000 };

let server: Server;
let base: string;
let browser: Browser;
let dir: string;
let loaded: LoadedSyntheticFleet;
let spikeAt: number;

async function api<T>(path: string, init?: { method?: string; body?: unknown }): Promise<T> {
  const res = await fetch(base + path, {
    method: init?.method ?? 'GET',
    headers: init?.body === undefined ? {} : { 'content-type': 'application/json' },
    body: init?.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  if (!res.ok && res.status !== 400) throw new Error(`${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Opens a UI path, waits until the page settled, saves a screenshot, and returns what it reported. */
async function visit(page: Page, path: string, name: string, minLoads = 1): Promise<Probe> {
  await page.goto(base + path);
  const p = await settled(page, minLoads);
  await screenshot(page, name);
  return p;
}

if (!existsSync('/usr/bin/chromium')) throw new Error('/usr/bin/chromium is missing: scripts/test.sh installs it (bash scripts/install-chromium.sh)');
if (!existsSync(join(UI_DIR, 'index.html'))) throw new Error(`${UI_DIR} has no build: scripts/test.sh builds it (npm run build:ui)`);

describe('dashboards in a real browser', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleetscope-ui-'));
    const config = readConfig(undefined, freePortsEnv({
      FLEETSCOPE_HTTP_HOST: '127.0.0.1',
      FLEETSCOPE_STORAGE_DATA_DIR: dir,
      FLEETSCOPE_INGEST_FLUSH_INTERVAL_MS: '50',
      FLEETSCOPE_ANALYSIS_JOBS: JSON.stringify([
        { name: 'latency', metrics: [WEB.latencyMetric], everyMs: 2000, stepMs: STEP, lagMs: 0, warmupMs: 10 * 3_600_000, maxCatchUpMs: 10 * 3_600_000, recordThreshold: 0.3 },
      ]),
    }));
    server = await buildServer(config, pino({ level: process.env.TEST_LOG ?? 'silent' }), parseRoles('all'));
    // Two days of a 24-host fleet at one sample a minute, written before the jobs first run.
    const now = Date.now();
    loaded = await loadSyntheticFleet(server.storage!, { hosts: 24, durationMs: 2 * 86_400_000, intervalMs: STEP, now });
    // The planted spike: one sample far above the host's normal latency, an hour before the end, between
    // two of its regular samples, sent through the collectd JSON receiver like any other value.
    spikeAt = Math.floor((loaded.fleet.end - 3_600_000) / STEP) * STEP + 30_000;
    const res = await server.app.inject({
      method: 'POST',
      url: '/collectd',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify([
        { values: [SPIKE.value], dstypes: ['gauge'], dsnames: ['value'], time: spikeAt / 1000, interval: STEP / 1000, host: SPIKE.host, plugin: 'http', plugin_instance: '', type: 'response_time_ms', type_instance: '' },
      ]),
    });
    expect(res.statusCode).toBe(200);
    ({ http: base } = await server.start());
    // The analysis job scores the history on its first run; wait until it recorded the spike.
    const deadline = Date.now() + 90_000;
    for (;;) {
      const { anomalies } = await api<{ anomalies: { ts: number }[] }>(`/api/v1/anomalies?host=${SPIKE.host}&from=now-3d`);
      if (anomalies.some((a) => Math.abs(a.ts - spikeAt) <= STEP)) break;
      if (Date.now() > deadline) throw new Error(`the analysis job found no anomaly at the planted spike (${new Date(spikeAt).toISOString()}): ${JSON.stringify(anomalies)}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves the UI with cacheable assets and page paths that open the app', async () => {
    const index = await fetch(`${base}/explore?metric=x`);
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const js = await fetch(base + asset!, { headers: { 'accept-encoding': 'gzip' } });
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    // Nothing is loaded from elsewhere: no CDN.
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('explorer: one line per series, the planted spike is the maximum drawn, anomaly markers where the job found them', async () => {
    const { page, problems } = await openPage(browser);
    const p = await visit(page, `/explore?metric=${WEB.latencyMetric}&filter=host=${SPIKE.host}&from=now-6h&to=now`, 'explorer-host');
    const chart = p.charts.explorer;
    expect(chart.series.map((s) => s.label)).toEqual([SPIKE.host]);
    expect(chart.series[0].max).toBe(SPIKE.value);
    expect(chart.series[0].maxAt).toBe(spikeAt);
    const { anomalies } = await api<{ anomalies: { ts: number; host: string }[] }>(`/api/v1/anomalies?metric=${WEB.latencyMetric}&host=${SPIKE.host}&from=${chart.from}&to=${chart.to}`);
    expect(anomalies.length).toBeGreaterThan(0);
    expect(chart.markers.map((m) => m.t).sort()).toEqual(anomalies.map((a) => a.ts).sort());
    expect(chart.markers.some((m) => Math.abs(m.t - spikeAt) <= STEP)).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('explorer: filters by an asset attribute and groups by another, with the spike kept in its group envelope', async () => {
    const { page, problems } = await openPage(browser);
    const model = FLEET_MODELS[0].hwModel;
    const now = Date.now();
    const expected = loaded.fleet.hosts.filter((h) => FLEET_MODELS[loaded.fleet.modelAt(h, now)].hwModel === model).map((h) => h.host).sort();
    let p = await visit(page, `/explore?metric=${WEB.latencyMetric}&filter=asset.hw_model=${encodeURIComponent(model)}&from=now-6h&to=now`, 'explorer-filter');
    expect(p.charts.explorer.series.map((s) => s.label).sort()).toEqual(expected);
    p = await visit(page, `/explore?metric=${WEB.latencyMetric}&group=hw_model&agg=avg&from=now-6h&to=now`, 'explorer-grouped');
    const lines = p.charts.explorer.series.filter((s) => !/ (min|max)$/.test(s.label));
    expect(lines).toHaveLength(FLEET_MODELS.length);
    const spikeModel = FLEET_MODELS[loaded.fleet.modelAt(loaded.fleet.hosts.find((h) => h.host === SPIKE.host)!, spikeAt)].hwModel;
    const envelope = p.charts.explorer.series.find((s) => s.label.startsWith(spikeModel) && s.label.endsWith(' max'));
    expect(envelope?.max).toBe(SPIKE.value);
    // Every group line is drawn over the whole range, not just where the spike is.
    for (const line of lines) expect(line.points).toBeGreaterThan(100);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('explorer: drag to zoom puts the range in the URL and fetches it', async () => {
    const { page, problems } = await openPage(browser);
    const before = await visit(page, `/explore?metric=${WEB.latencyMetric}&filter=host=${SPIKE.host}&from=now-6h&to=now`, 'explorer-before-zoom');
    const requests = before.requests.length;
    const over = page.locator('[data-chart="explorer"] .u-over');
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.25, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction((n) => window.__fleetscope.requests.length > n && window.__fleetscope.ready, requests);
    const after = await settled(page);
    const url = new URL(page.url());
    const from = Number(url.searchParams.get('from'));
    const to = Number(url.searchParams.get('to'));
    expect(Number.isFinite(from) && Number.isFinite(to)).toBe(true);
    // A quarter of the six hours, starting a quarter in.
    expect((to - from) / 3_600_000).toBeGreaterThan(1.2);
    expect((to - from) / 3_600_000).toBeLessThan(1.8);
    expect(after.charts.explorer.from).toBe(from);
    expect(after.charts.explorer.to).toBe(to);
    expect(after.requests.at(-1)).toContain(`start=${from}&end=${to}`);
    await screenshot(page, 'explorer-after-zoom');
    // Back undoes the zoom, since the range lives in the URL.
    await page.goBack();
    await page.waitForFunction(() => new URL(location.href).searchParams.get('from') === 'now-6h');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('query console: a syntax error is shown at its line and column, typed in the editor and run with Ctrl+Enter', async () => {
    const { page, problems } = await openPage(browser);
    await visit(page, '/console', 'console-empty');
    const query = `metric "${WEB.latencyMetric}" last 1h\n| stast avg(value) by host`;
    await page.fill('textarea[name=q]', query);
    await page.press('textarea[name=q]', 'Control+Enter');
    const error = page.locator('.query-error');
    await error.waitFor();
    expect(await error.getAttribute('data-error-code')).toBe('QUERY_ERR_SYNTAX');
    expect(await error.getAttribute('data-error-line')).toBe('2');
    expect(await error.getAttribute('data-error-column')).toBe(String(query.split('\n')[1].indexOf('stast') + 1));
    expect(await page.locator('mark.query-error-at').textContent()).toBe('stast');
    await screenshot(page, 'console-error');
    // The URL holds the query, so the error view can be shared.
    expect(new URL(page.url()).searchParams.get('q')).toBe(query);
    // The server answered 400 on purpose; that is the only console message allowed.
    expect(problems.filter((m) => !m.includes('status of 400'))).toEqual([]);
    await page.close();
  });

  it('query console: a result is drawn as its view hint says, one line per host', async () => {
    const { page, problems } = await openPage(browser);
    const hosts = ['web-01', 'web-02', 'web-03'];
    const query = `metric "${WEB.latencyMetric}" where host in ("${hosts.join('", "')}") last 2h | stats every 5m avg(value) by host | view timechart`;
    const p = await visit(page, `/console?q=${encodeURIComponent(query)}`, 'console-timechart');
    const chart = p.charts['console-result'];
    expect(chart.kind).toBe('time');
    expect(chart.series.map((x) => x.label).sort()).toEqual(hosts);
    // The fleet's data ends at a whole hour, so "last 2h" holds between one and two hours of it: one
    // 5-minute bucket per 5 minutes of data (the buckets at both edges may be partial).
    const buckets = (Math.min(Date.now(), loaded.fleet.end) - (Date.now() - 2 * 3_600_000)) / 300_000;
    for (const x of chart.series) {
      expect(x.points).toBeGreaterThanOrEqual(Math.floor(buckets) - 1);
      expect(x.points).toBeLessThanOrEqual(Math.ceil(buckets) + 1);
    }
    expect(problems).toEqual([]);
    await page.close();
  });

  it('compare: one box per hardware model with its hosts, beside the compare statistics', async () => {
    const { page, problems } = await openPage(browser);
    const p = await visit(page, `/compare?metric=${WEB.latencyMetric}&by=hw_model&from=now-6h&to=now`, 'compare');
    const box = p.charts['compare-box'];
    expect(box.kind).toBe('box');
    const now = Date.now();
    const perModel = new Map<string, number>();
    for (const h of loaded.fleet.hosts) {
      const m = FLEET_MODELS[loaded.fleet.modelAt(h, now)].hwModel;
      perModel.set(m, (perModel.get(m) ?? 0) + 1);
    }
    expect(Object.fromEntries(box.series.map((x) => [x.label, x.points]))).toEqual(Object.fromEntries(perModel));
    // The planted means order the models (80 < 100 < 120 ms): each box's median sits near its model's.
    for (const m of FLEET_MODELS) {
      const s = box.series.find((x) => x.label === m.hwModel)!;
      expect(s.min!).toBeLessThan(m.latencyMs + 15);
      expect(s.max!).toBeGreaterThan(m.latencyMs - 15);
    }
    await page.locator('p.verdict').waitFor();
    expect(await page.locator('table.compare-groups tbody tr').count()).toBe(FLEET_MODELS.length);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('dashboards: a saved dashboard draws each panel, and exports as JSON', async () => {
    const spec = {
      name: 'Web latency',
      time: { from: 'now-6h', to: 'now' },
      panels: [
        { id: 'lat', title: 'p99 by model', query: `metric "${WEB.latencyMetric}" | stats every 10m p99(value) by hw_model`, view: 'timechart', w: 8 },
        { id: 'notes', title: 'Runbook', view: 'markdown', markdown: '# When latency rises\n\nCheck the backbone first.', w: 4 },
        { id: 'hosts', title: 'hosts per model', query: `metric "${WEB.latencyMetric}" last 1h | stats hosts = dcount(host) by hw_model`, view: 'table', w: 6 },
      ],
    };
    const created = await api<{ dashboard: { id: string } }>('/api/v1/dashboards', { method: 'POST', body: spec });
    const id = created.dashboard.id;
    const { page, problems } = await openPage(browser);
    const list = await visit(page, '/dashboards', 'dashboards-list');
    expect(list.charts['dashboards-list'].series[0].points).toBeGreaterThanOrEqual(1);
    const p = await visit(page, `/dashboards/${id}`, 'dashboard-view');
    expect(await page.locator('#dash-name').textContent()).toContain('Web latency');
    const lat = p.charts['panel-lat'];
    expect(lat.kind).toBe('time');
    expect(lat.series).toHaveLength(FLEET_MODELS.length);
    expect(await page.locator('.panel[data-panel-id=notes]').textContent()).toContain('Check the backbone first.');
    expect(await page.locator('.panel[data-panel-id=hosts]').getAttribute('data-rows')).toBe(String(FLEET_MODELS.length));
    const href = await page.locator('#dash-export').getAttribute('href');
    const exported = await (await fetch(base + href)).json() as { name: string; panels: unknown[] };
    expect(exported.name).toBe(spec.name);
    expect(exported.panels).toHaveLength(3);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('fleet overview: hosts by site and model, ingest health, anomalies and alerts', async () => {
    const { page, problems } = await openPage(browser);
    const p = await visit(page, '/', 'overview');
    // 24 web hosts and the backbone router.
    expect(await page.locator('[data-stat=hosts]').textContent()).toContain(String(loaded.fleet.hosts.length + 1));
    expect(p.charts['site-model'].kind).toBe('table');
    const cells = await page.locator('#site-model a[data-site][data-model]').count();
    expect(cells).toBeGreaterThanOrEqual(FLEET_MODELS.length);
    expect(p.charts['anomalies-by-kind']).toBeDefined();
    expect(problems).toEqual([]);
    await page.close();
  });

  it('host page: key metrics with the asset change drawn where it happened', async () => {
    const { page, problems } = await openPage(browser);
    const host = 'web-05';
    const p = await visit(page, `/hosts/${host}?from=now-3d&to=now`, 'host');
    expect(await page.locator('#host-name').textContent()).toContain(host);
    const chart = p.charts[`host-${WEB.latencyMetric}`];
    expect(chart.series.length).toBe(1);
    expect(chart.series[0].points).toBeGreaterThan(100);
    const change = chart.spans.find((x) => x.text.includes('PowerEdge R650'));
    expect(change?.start).toBe(loaded.fleet.modelChangeAt);
    expect(await page.locator('#asset-history').textContent()).toContain('PowerEdge R640');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('anomalies: the chart of a selected anomaly has its expected band and a marker at each anomaly', async () => {
    const { page, problems } = await openPage(browser);
    const filters = `host=${SPIKE.host}&metric=${WEB.latencyMetric}&from=now-6h&to=now`;
    // With nothing selected, the page draws an anomaly of the highest score.
    await visit(page, `/anomalies?${filters}`, 'anomalies-default');
    const listed = await api<{ anomalies: { ts: number; score: number; series_id: string }[] }>(`/api/v1/anomalies?host=${SPIKE.host}&metric=${WEB.latencyMetric}&from=now-6h&limit=1000`);
    const drawnTs = Number(await page.locator('#anomaly-chart .chart[data-ts]').getAttribute('data-ts'));
    const best = Math.max(...listed.anomalies.map((a) => a.score));
    expect(listed.anomalies.find((a) => a.ts === drawnTs)?.score).toBe(best);
    // Selecting the planted spike (as a click on its row does) draws its series around it.
    const spike = listed.anomalies.find((a) => Math.abs(a.ts - spikeAt) <= STEP)!;
    expect(spike).toBeDefined();
    const p = await visit(page, `/anomalies?${filters}&sel=${spike.series_id}:${spike.ts}`, 'anomalies');
    const chart = p.charts.anomaly;
    const { anomalies } = await api<{ anomalies: { ts: number; series_id: string }[] }>(`/api/v1/anomalies?host=${SPIKE.host}&metric=${WEB.latencyMetric}&from=${chart.from}&to=${chart.to}&limit=1000`);
    expect(chart.markers.map((m) => m.t).sort()).toEqual(anomalies.filter((a) => a.series_id === spike.series_id).map((a) => a.ts).sort());
    expect(chart.markers.some((m) => m.t === spike.ts)).toBe(true);
    const band = chart.series.find((x) => x.label.startsWith('expected') && !/ (min|max)$/.test(x.label));
    expect(band?.points).toBeGreaterThan(100);
    const observed = chart.series.find((x) => x.label === 'observed')!;
    expect(observed.max).toBe(SPIKE.value);
    // The spike lies above the band's upper edge.
    const high = chart.series.find((x) => x.label.startsWith('expected') && x.label.endsWith(' max'))!;
    expect(high.max!).toBeLessThan(SPIKE.value);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('capacity: loads its snapshot or explains that none exists yet, without errors', async () => {
    const { page, problems } = await openPage(browser);
    await visit(page, '/capacity', 'capacity');
    const text = await page.locator('main').textContent();
    expect(text).toMatch(/snapshot|capacity/i);
    expect(problems.filter((m) => !m.includes('status of 404'))).toEqual([]);
    await page.close();
  });

  it('host page: a deploy posted through the change API is drawn as a labelled line at its time', async () => {
    const host = 'web-05';
    const at = Math.floor((loaded.fleet.end - 2 * 3_600_000) / 1000) * 1000;
    const description = `api 7.3.1 canary ${at}`;
    const posted = await api<{ changes: { id: string; ts: number; hosts: string[] }[] }>('/api/v1/changes', { method: 'POST', body: { ts: at, kind: 'deploy', host, description, link: 'https://ci.example/builds/7' } });
    expect(posted.changes[0]).toMatchObject({ ts: at, hosts: [host] });
    const { page, problems } = await openPage(browser);
    const p = await visit(page, `/hosts/${host}?from=now-3d&to=now`, 'host-change');
    const chart = p.charts[`host-${WEB.latencyMetric}`];
    const drawn = chart.spans.filter((x) => x.text.includes(description));
    expect(drawn).toHaveLength(1);
    expect(drawn[0].start).toBe(at);
    expect(drawn[0].end).toBeUndefined();
    // The asset change is still drawn, once.
    expect(chart.spans.filter((x) => x.text.includes('PowerEdge R650')).map((x) => x.start)).toEqual([loaded.fleet.modelChangeAt]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('coverage: summary cards and host table agree with the API, and a silence created through the form is listed', async () => {
    const { page, problems } = await openPage(browser);
    const p = await visit(page, '/coverage', 'coverage');
    const { summary } = await api<{ summary: Record<string, number> }>('/api/v1/coverage');
    const drawn = p.charts['coverage-hosts'];
    expect(drawn.kind).toBe('table');
    expect(Object.fromEntries(drawn.series.map((x) => [x.label, x.points]))).toEqual(summary);
    expect(await page.locator('[data-stat=expected] .value').textContent()).toBe(String(summary.expected));
    expect(await page.locator('#coverage-hosts tbody tr').count()).toBeGreaterThanOrEqual(loaded.fleet.hosts.length);
    expect(await page.locator('#coverage-hosts tr[data-host=web-02] a[data-nav]').getAttribute('href')).toBe('/hosts/web-02');
    // A silence for web-02, through the form.
    const comment = `disk swap ${Date.now()}`;
    await page.fill('#silence-form input[name=host]', 'web-02');
    await page.selectOption('#silence-form select[name=ends]', 'now+1h');
    await page.fill('#silence-form input[name=comment]', comment);
    await page.fill('#silence-form input[name=createdBy]', 'ui-test');
    await page.click('#silence-form button[type=submit]');
    const row = page.locator('#silences tr[data-silence-id]', { hasText: comment });
    await row.waitFor();
    expect(await row.getAttribute('data-state')).toBe('active');
    expect(await row.textContent()).toContain('host=web-02');
    const { silences } = await api<{ silences: { id: string; matchers: Record<string, string>; comment: string; state: string }[] }>('/api/v1/silences');
    const created = silences.find((x) => x.comment === comment);
    expect(created).toMatchObject({ matchers: { host: 'web-02' }, state: 'active' });
    expect(await row.getAttribute('data-silence-id')).toBe(created!.id);
    // The host table, read again right after, shows web-02 held back by that silence.
    await page.locator('#coverage-hosts tr[data-host=web-02]', { hasText: `silence ${created!.id.slice(0, 8)}` }).waitFor({ timeout: 5000 });
    expect(await page.locator('[data-stat=silenced] .value').textContent()).toBe('1');
    await screenshot(page, 'coverage-silenced');
    // Filters live in the URL.
    await page.selectOption('#coverage-filters select[name=state]', 'reporting');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('state') === 'reporting');
    await settled(page);
    expect(problems).toEqual([]);
    // Expiring it keeps it listed as expired.
    await row.locator('button.expire').click();
    await page.locator(`#silences tr[data-silence-id="${created!.id}"][data-state=expired]`).waitFor();
    // A refused silence (no matcher) shows the server's message and the field at fault.
    await page.fill('#silence-form input[name=comment]', 'no matcher');
    await page.click('#silence-form button[type=submit]');
    await page.locator('#silence-form + .messages .notice.error code.where').waitFor();
    expect(await page.locator('#silence-form + .messages code.where').textContent()).toBe('matchers');
    await screenshot(page, 'coverage-silence-error');
    // The server answered 400 on purpose; that is the only console message allowed.
    expect(problems.filter((m) => !m.includes('status of 400'))).toEqual([]);
    await page.close();
  });

  it('anomalies: "what changed before" lists a deploy posted ten minutes before the selected spike', async () => {
    const description = `api 9.1.0 rollout ${spikeAt}`;
    const posted = await api<{ changes: { id: string }[] }>('/api/v1/changes', {
      method: 'POST',
      body: { ts: spikeAt - 10 * 60_000, kind: 'deploy', host: SPIKE.host, description, link: 'https://ci.example/builds/91' },
    });
    const changeId = posted.changes[0].id;
    const listed = await api<{ anomalies: { id: string; ts: number; series_id: string }[] }>(`/api/v1/anomalies?host=${SPIKE.host}&metric=${WEB.latencyMetric}&from=now-6h&limit=1000`);
    const spike = listed.anomalies.find((a) => Math.abs(a.ts - spikeAt) <= STEP)!;
    expect(spike).toBeDefined();
    const { page, problems } = await openPage(browser);
    await visit(page, `/anomalies?host=${SPIKE.host}&metric=${WEB.latencyMetric}&from=now-6h&to=now&sel=${spike.series_id}:${spike.ts}`, 'anomalies-changes');
    const row = page.locator(`#anomaly-changes tr[data-change-id="${changeId}"]`);
    expect(await row.count()).toBe(1);
    const text = (await row.textContent()) ?? '';
    expect(text).toContain(description);
    expect(text).toContain(`${Math.round((spike.ts - (spikeAt - 10 * 60_000)) / 60_000)} min before`);
    expect(await row.getAttribute('data-relation')).toBe('host');
    expect(await page.locator('#anomaly-changes').getAttribute('data-anomaly-id')).toBe(spike.id);
    expect(problems).toEqual([]);
    await page.close();
  });
});
