// Dashboard benchmark: the explorer's first chart of a 30-day range over a 2,000-host fleet (server time
// and bytes on the wire, and in a real Chromium the time from navigation to the drawn chart), and the
// draw and frame times of a 1-million-point chart.
//   npm run bench -- --only ui [--ui-hosts 2000 --ui-days 30 --ui-runs 5 --ui-width 1400]
// The fleet: one latency series per host with its 1-minute rollup filled for the whole range by the
// engine itself (INSERT … SELECT from numbers()), asset records through PUT /api/v1/assets, and one
// planted one-minute spike the chart must show. Data older than the raw retention lives in the
// rollups, which is what a 30-day chart reads.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { readConfig } from '../bin/config.ts';
import { parseRoles } from '../bin/roles.ts';
import { buildServer } from '../bin/serve.ts';
import { launchBrowser, settled } from '../test/helpers/browser.ts';
import { freePortsEnv } from '../test/helpers/fleetscope.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;
const MODELS = ['PowerEdge R650', 'PowerEdge R640', 'ProLiant DL360 Gen9', 'ProLiant DL360 Gen10'];
const MEANS = [80, 100, 120, 90];
const SITES = ['ams1', 'fra1', 'lon1', 'par1', 'nyc1', 'sjc1', 'sin1', 'syd1'];
const METRIC = 'http.response_time_ms';
const SPIKE = { host: 17, value: 9000 };

export interface UiBenchOptions {
  readonly hosts?: number;
  readonly days?: number;
  readonly runs?: number;
  readonly width?: number;
}

const hostName = (h: number) => `web-${String(h + 1).padStart(4, '0')}`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchUi(opts: UiBenchOptions = {}): Promise<void> {
  const hosts = opts.hosts ?? 2000;
  const days = opts.days ?? 30;
  const runs = opts.runs ?? 5;
  const width = opts.width ?? 1400;
  const dir = mkdtempSync(join(tmpdir(), 'fleetscope-bench-ui-'));
  const config = readConfig(undefined, freePortsEnv({
    FLEETSCOPE_HTTP_HOST: '127.0.0.1',
    FLEETSCOPE_STORAGE_DATA_DIR: dir,
    FLEETSCOPE_INGEST_FLUSH_INTERVAL_MS: '100',
    FLEETSCOPE_STORAGE_RETENTION_SAMPLES_DAYS: '7',
  }));
  const server = await buildServer(config, pino({ level: 'warn' }), parseRoles('ingest,writer,dashboards'));
  const { http } = await server.start();
  const storage = server.storage!;
  const db = storage.database;
  const end = Math.floor(Date.now() / MINUTE) * MINUTE;
  const start = end - days * DAY;
  const spikeAt = start + Math.floor(days * 0.6) * DAY + 123 * MINUTE;
  try {
    const t0 = performance.now();
    const assets = Array.from({ length: hosts }, (_, h) => ({ host: hostName(h), hw_model: MODELS[h % MODELS.length], site: SITES[Math.floor(h / MODELS.length) % SITES.length], role: 'web' }));
    const put = await fetch(`${http}/api/v1/assets`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ assets, valid_from: new Date(start - DAY).toISOString() }) });
    if (!put.ok) throw new Error(`PUT /api/v1/assets: ${put.status} ${await put.text()}`);
    // One sample per host through the collectd receiver makes the series as ingest names them.
    const lists = assets.map((a) => ({ values: [100], dstypes: ['gauge'], dsnames: ['value'], time: end / 1000 - 1, interval: 10, host: a.host, plugin: 'http', plugin_instance: '', type: 'response_time_ms', type_instance: '' }));
    const post = await fetch(`${http}/collectd`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(lists) });
    if (!post.ok) throw new Error(`POST /collectd: ${post.status} ${await post.text()}`);
    let ids: string[] = [];
    for (let i = 0; i < 100 && ids.length < hosts; i++) {
      await new Promise((r) => setTimeout(r, 200));
      const rows = await storage.query<{ id: string }>(`SELECT toString(series_id) AS id FROM ${db}.series FINAL WHERE metric = {m:String} ORDER BY host`, { m: METRIC });
      ids = rows.map((r) => r.id);
    }
    if (ids.length < hosts) throw new Error(`only ${ids.length} of ${hosts} series appeared`);
    // Per host and minute: six samples around the model's mean with a daily cycle; min, max and sum.
    const minutes = days * 1440;
    const mean = `({means:Array(Float64)}[h % ${MODELS.length} + 1] * (1 + 0.2 * sin(2 * pi() * (m % 1440) / 1440)) * (0.9 + (cityHash64(h, m) % 1000) / 5000))`;
    await storage.command(
      `INSERT INTO ${db}.samples_1m (metric, series_id, t, cnt, vmin, vmax, vsum)
       SELECT {metric:String}, {ids:Array(UInt64)}[h + 1], toDateTime(intDiv({start:Int64}, 1000) + m * 60), 6,
              ${mean} * 0.85, if(h = {spikeHost:UInt32} AND m = {spikeMinute:UInt32}, {spike:Float64}, ${mean} * 1.2), ${mean} * 6
       FROM (SELECT intDiv(number, ${minutes}) AS h, number % ${minutes} AS m FROM numbers(${hosts * minutes}))
       SETTINGS max_insert_threads = 2`,
      { metric: METRIC, ids: ids.map((x) => BigInt(x)), start, means: MEANS, spikeHost: SPIKE.host, spikeMinute: (spikeAt - start) / MINUTE, spike: SPIKE.value },
    );
    console.log(`ui bench: ${hosts} hosts × ${days} days of 1-minute rollup (${(hosts * minutes / 1e6).toFixed(1)} M rows) generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const variants: [string, Record<string, string>][] = [
      ['group_by=hw_model, agg=avg (4 lines + envelopes)', { group_by: 'hw_model', agg: 'avg' }],
      ['group_by=site, agg=p95 (8 lines + envelopes)', { group_by: 'site', agg: 'p95' }],
      ['30 hosts, M4 per series (explorer without grouping)', { limit: '30' }],
    ];
    console.log(`\nServer: GET /api/v1/points over ${days} days, width ${width} px (${runs} runs after one warm-up):\n`);
    console.log('| request | source | points | median ms | p95 ms | bytes (JSON) | bytes (gzip) | spike kept |\n| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const [name, extra] of variants) {
      const qs = new URLSearchParams({ metric: METRIC, start: String(start), end: String(end), width: String(width), ...extra });
      const times: number[] = [];
      let body = '';
      for (let i = 0; i <= runs; i++) {
        const t = performance.now();
        const res = await fetch(`${http}/api/v1/points?${qs}`);
        body = await res.text();
        if (!res.ok) throw new Error(`${name}: ${res.status} ${body}`);
        if (i > 0) times.push(performance.now() - t);
      }
      const r = JSON.parse(body) as { source: string; series: { host?: string; points: [number, number][]; high?: [number, number][] }[] };
      const points = r.series.reduce((n, s) => n + s.points.length + (s.high ? 2 * s.high.length : 0), 0);
      let max = -Infinity;
      for (const x of r.series) for (const p of [...x.points, ...(x.high ?? [])]) if (p[1] !== null && p[1] > max) max = p[1];
      const spikeVisible = r.series.some((s) => s.host === undefined || s.host === hostName(SPIKE.host)) ? max === SPIKE.value : 'not in view';
      const sorted = [...times].sort((a, b) => a - b);
      console.log(
        `| ${name} | ${r.source} | ${points} | ${median(times).toFixed(0)} | ${sorted[Math.min(sorted.length - 1, Math.floor(0.95 * sorted.length))].toFixed(0)} | ${Buffer.byteLength(body)} | ${gzipSync(body).length} | ${spikeVisible} |`,
      );
    }

    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      const firstChart: number[] = [];
      let transfer = { points: 0, total: 0 };
      for (let i = 0; i <= runs; i++) {
        await page.goto(`${http}/explore?metric=${METRIC}&group=hw_model&agg=avg&from=${start}&to=${end}`);
        const p = await settled(page, 1, 120_000);
        if (p.errors.length > 0) throw new Error(`explorer: ${p.errors.join('; ')}`);
        const m = await page.evaluate(() => {
          const w = globalThis as unknown as { __fleetscope: { firstChartMs?: number }; performance: { getEntriesByType(t: string): { name: string; transferSize: number }[] } };
          const res = w.performance.getEntriesByType('resource');
          return { first: w.__fleetscope.firstChartMs ?? NaN, points: res.filter((e) => e.name.includes('/api/v1/points')).reduce((n, e) => n + e.transferSize, 0), total: res.reduce((n, e) => n + e.transferSize, 0) };
        });
        if (i > 0) firstChart.push(m.first);
        transfer = { points: m.points, total: m.total };
      }
      console.log(`\nBrowser (Chromium, 1440×900, explorer grouped by hw_model over ${days} days): time from navigation to the first drawn chart, median of ${runs}: ${median(firstChart).toFixed(0)} ms (runs: ${firstChart.map((x) => x.toFixed(0)).join(', ')}); chart data ${transfer.points} bytes on the wire (gzip), page total ${transfer.total} bytes (assets cached after the first load).`);

      for (const n of [1_000_000]) {
        await page.goto(`${http}/bench/chart?points=${n}`);
        await settled(page, 1, 120_000);
        const first = await page.evaluate(() => (globalThis as unknown as { __fleetscope: { bench: { firstDrawMs: number } } }).__fleetscope.bench.firstDrawMs);
        // Frame times while the cursor sweeps the chart (the legend and crosshair redraw each frame).
        const over = page.locator('[data-chart="bench"] .u-over');
        const box = (await over.boundingBox())!;
        // A string, not a function: the TypeScript loader would wrap named inner functions in a helper
        // that does not exist in the page.
        await page.evaluate(`(() => {
          window.__frames = []; window.__stop = false; let last = 0;
          const tick = (t) => { if (last) window.__frames.push(t - last); last = t; if (!window.__stop) requestAnimationFrame(tick); };
          requestAnimationFrame(tick);
        })()`);
        for (let i = 0; i <= 120; i++) await page.mouse.move(box.x + (box.width * i) / 120, box.y + box.height / 2);
        const frames = await page.evaluate(() => {
          const g = globalThis as unknown as { __frames: number[]; __stop: boolean };
          g.__stop = true;
          return g.__frames;
        });
        // Drag-zooms: select a middle part of the chart three times; it redraws at the new scale.
        for (let i = 0; i < 3; i++) {
          await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
          await page.mouse.down();
          await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 4 });
          await page.mouse.up();
          await page.waitForFunction((k) => (globalThis as unknown as { __fleetscope: { bench: { zoomDrawMs: number[] } } }).__fleetscope.bench.zoomDrawMs.length > k, i);
        }
        const zooms = await page.evaluate(() => (globalThis as unknown as { __fleetscope: { bench: { zoomDrawMs: number[] } } }).__fleetscope.bench.zoomDrawMs);
        const sorted = [...frames].sort((a, b) => a - b);
        console.log(
          `Chart of ${n.toLocaleString('en')} points: first draw ${first} ms; frame interval while the cursor moves over it: median ${median(frames).toFixed(1)} ms, p95 ${sorted[Math.floor(0.95 * sorted.length)].toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms over ${frames.length} frames; redraw after a drag-zoom: ${zooms.join(', ')} ms.`,
        );
      }
    } finally {
      await browser.close();
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
