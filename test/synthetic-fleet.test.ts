import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../lib/clickhouse/client.ts';
import { openTestStorage } from './helpers/storage.ts';
import {
  BACKBONE,
  COUNTER_WRAP,
  DISKS,
  FLEET_MODELS,
  FLEET_SITES,
  loadSyntheticFleet,
  MODEL_CHANGE,
  planSyntheticFleet,
  syntheticFleetRecords,
  WEB,
  type LoadedSyntheticFleet,
} from './helpers/synthetic-fleet.ts';

let storage: Storage;
let cleanup: () => Promise<void>;
let loaded: LoadedSyntheticFleet;
let db: string;

beforeAll(async () => {
  ({ storage, cleanup } = await openTestStorage());
  db = storage.database;
  loaded = await loadSyntheticFleet(storage, { now: Date.now() });
});
afterAll(async () => cleanup());

/** Samples of `metric` with their host and the asset version valid at the sample's time. */
function asOfSamples(): string {
  return `(SELECT s.ts AS ts, s.value AS value, s.rate AS rate, se.host AS host
           FROM ${db}.samples AS s INNER JOIN (SELECT series_id, host FROM ${db}.series FINAL WHERE metric = {m:String}) AS se ON s.series_id = se.series_id
           WHERE s.metric = {m:String}) AS x
          ASOF INNER JOIN (SELECT host, valid_from, hw_model FROM ${db}.asset_history FINAL) AS a ON x.host = a.host AND x.ts >= a.valid_from`;
}

function firstSteps(seed: number, steps: number): string {
  const fleet = planSyntheticFleet({ start: Date.UTC(2026, 0, 1), seed });
  const out: unknown[] = [];
  for (const records of syntheticFleetRecords(fleet)) {
    out.push(records);
    if (out.length === steps) break;
  }
  return JSON.stringify(out, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
}

describe('synthetic fleet', () => {
  it('is deterministic in its seed', () => {
    expect(firstSteps(7, 30)).toBe(firstSteps(7, 30));
    expect(firstSteps(8, 30)).not.toBe(firstSteps(7, 30));
  });

  it('stores every sample through the writer path, each series with its series row', async () => {
    const { fleet } = loaded;
    const disks = fleet.hosts.filter((h) => h.disk).length;
    expect(disks).toBe(6);
    expect(fleet.start % 3_600_000).toBe(0);
    expect(loaded.samples).toBe(fleet.steps * (fleet.hosts.length * 2 + disks + 2));
    const [c] = await storage.query<{ samples: string; series: string; orphans: string }>(
      `SELECT (SELECT count() FROM ${db}.samples) AS samples, (SELECT count() FROM ${db}.series FINAL) AS series,
              (SELECT uniqExact(series_id) FROM ${db}.samples WHERE series_id NOT IN (SELECT series_id FROM ${db}.series)) AS orphans`,
    );
    expect(c).toEqual({ samples: String(loaded.samples), series: String(fleet.hosts.length * 2 + disks + 2), orphans: '0' });
  });

  it('has the planted mean latency per hardware model, as of the time of each sample', async () => {
    const rows = await storage.query<{ model: string; mean: number; hosts: string }>(
      `SELECT a.hw_model AS model, avg(x.value) AS mean, uniqExact(x.host) AS hosts FROM ${asOfSamples()} GROUP BY model ORDER BY model`,
      { m: WEB.latencyMetric },
    );
    const want = FLEET_MODELS.map((m) => ({ model: m.hwModel, hosts: m.hwModel === MODEL_CHANGE.to ? '9' : '8', mean: m.latencyMs }));
    expect(rows.map((r) => ({ ...r, mean: Math.round(r.mean) }))).toEqual(expect.arrayContaining(want));
    expect(rows).toHaveLength(3);
    for (const r of rows) expect(Math.abs(r.mean - FLEET_MODELS.find((m) => m.hwModel === r.model)!.latencyMs)).toBeLessThan(1);
  });

  it('changes the latency of the host whose model changed at the time of the change', async () => {
    const rows = await storage.query<{ after: number; mean: number }>(
      `SELECT x.ts >= fromUnixTimestamp64Milli({at:Int64}, 'UTC') AS after, avg(x.value) AS mean FROM ${asOfSamples()} WHERE x.host = {h:String} GROUP BY after ORDER BY after`,
      { m: WEB.latencyMetric, h: MODEL_CHANGE.host, at: loaded.fleet.modelChangeAt },
    );
    const before = FLEET_MODELS.find((m) => m.hwModel === MODEL_CHANGE.from)!.latencyMs;
    const after = FLEET_MODELS.find((m) => m.hwModel === MODEL_CHANGE.to)!.latencyMs;
    expect(rows).toHaveLength(2);
    expect(Math.abs(rows[0].mean - before)).toBeLessThan(3);
    expect(Math.abs(rows[1].mean - after)).toBeLessThan(3);
  });

  it('stores the planted request rate per model, computed by the writer from the counters', async () => {
    const rows = await storage.query<{ model: string; rps: number; unknown: string }>(
      `SELECT a.hw_model AS model, avgIf(x.rate, isFinite(x.rate)) AS rps, countIf(NOT isFinite(x.rate)) AS unknown FROM ${asOfSamples()} GROUP BY model ORDER BY model`,
      { m: WEB.requestsMetric },
    );
    expect(rows).toHaveLength(3);
    for (const r of rows) expect(Math.abs(r.rps - FLEET_MODELS.find((m) => m.hwModel === r.model)!.requestsPerSecond)).toBeLessThan(0.05);
    // The first sample of each series has no rate; nothing else is unknown.
    expect(rows.reduce((n, r) => n + Number(r.unknown), 0)).toBe(loaded.fleet.hosts.length);
  });

  it('keeps the rate right across the 32-bit wrap of one host counter', async () => {
    const rows = await storage.query<{ raw: string; rate: number | null }>(
      `SELECT toString(s.raw) AS raw, s.rate AS rate FROM ${db}.samples AS s
       INNER JOIN (SELECT series_id FROM ${db}.series FINAL WHERE metric = {m:String} AND host = {h:String}) AS se ON s.series_id = se.series_id
       WHERE s.metric = {m:String} ORDER BY s.ts`,
      { m: WEB.requestsMetric, h: COUNTER_WRAP.host },
    );
    expect(rows).toHaveLength(loaded.fleet.steps);
    expect(rows[0]).toEqual({ raw: String(COUNTER_WRAP.startRaw), rate: null });
    const wraps = rows.filter((r, i) => i > 0 && BigInt(r.raw) < BigInt(rows[i - 1].raw));
    expect(wraps).toHaveLength(1);
    const rates = rows.slice(1).map((r) => r.rate as number);
    expect(Math.min(...rates)).toBeGreaterThan(10);
    expect(Math.max(...rates)).toBeLessThan(18);
  });

  it('stores the backbone utilisation as planted, and 5-minute buckets of it correlate best with latency at the planted lag', async () => {
    const stored = await storage.query<{ ts: string; rate: number }>(
      `SELECT toUnixTimestamp64Milli(ts) AS ts, rate FROM ${db}.samples WHERE metric = {m:String} AND isFinite(rate) ORDER BY ts`,
      { m: BACKBONE.rxMetric },
    );
    expect(stored).toHaveLength(loaded.fleet.steps - 1);
    for (const s of stored) expect((s.rate * 8) / BACKBONE.capacityBitsPerSecond).toBeCloseTo(loaded.fleet.rxUtilisation(Number(s.ts)), 6);

    const lags = await storage.query<{ lag_s: number; r: number; n: string }>(
      `WITH lat AS (SELECT toStartOfInterval(ts, INTERVAL 5 MINUTE) AS t, avg(value) AS v FROM ${db}.samples WHERE metric = {lat:String} GROUP BY t),
            util AS (SELECT toStartOfInterval(ts, INTERVAL 5 MINUTE) AS t, avg(rate) * 8 / {cap:Float64} AS u FROM ${db}.samples WHERE metric = {rx:String} AND isFinite(rate) GROUP BY t)
       SELECT lag_s, corr(u, v) AS r, count() AS n
       FROM (SELECT arrayJoin(range(0, 1801, 300)) AS lag_s, t + toIntervalSecond(lag_s) AS tl, u FROM util) AS a INNER JOIN lat ON lat.t = a.tl
       GROUP BY lag_s ORDER BY lag_s`,
      { lat: WEB.latencyMetric, rx: BACKBONE.rxMetric, cap: BACKBONE.capacityBitsPerSecond },
    );
    expect(lags).toHaveLength(7);
    const best = lags.reduce((a, b) => (b.r > a.r ? b : a));
    expect(best.lag_s * 1000).toBe(BACKBONE.lagMs);
    expect(best.r).toBeGreaterThan(0.9);
    expect(lags.find((l) => l.lag_s === 0)!.r).toBeLessThan(best.r - 0.2);
  });

  it('fills the data disks at the planted rates, with their capacity in the assets', async () => {
    const rows = await storage.query<{ host: string; per_day: number; used_end: number; capacity: string }>(
      `SELECT se.host AS host, simpleLinearRegression((toUnixTimestamp64Milli(s.ts) - {start:Int64}) / 86400000, s.value).1 AS per_day,
              argMax(s.value, s.ts) AS used_end, any(a.disk_capacity_bytes) AS capacity
       FROM ${db}.samples AS s
       INNER JOIN (SELECT series_id, host FROM ${db}.series FINAL WHERE metric = {m:String} AND labels['plugin_instance'] = {pi:String} AND labels['type_instance'] = {ti:String}) AS se ON s.series_id = se.series_id
       INNER JOIN (SELECT host, disk_capacity_bytes FROM ${db}.asset_history FINAL) AS a ON a.host = se.host
       WHERE s.metric = {m:String} GROUP BY host ORDER BY host`,
      { m: DISKS.metric, pi: DISKS.pluginInstance, ti: DISKS.typeInstance, start: loaded.fleet.start },
    );
    const planted = loaded.fleet.hosts.filter((h) => h.disk);
    expect(rows.map((r) => r.host)).toEqual(planted.map((h) => h.host));
    for (const [i, r] of rows.entries()) {
      const disk = planted[i].disk!;
      expect(Number(r.capacity)).toBe(disk.capacityBytes);
      expect(Math.abs(r.per_day / disk.bytesPerDay - 1)).toBeLessThan(0.02);
      expect((Number(r.capacity) - r.used_end) / r.per_day).toBeCloseTo(disk.daysToFullAtEnd, 0);
    }
  });

  it('records the hardware change as two asset versions, and spreads models evenly over sites', async () => {
    const versions = await storage.query<{ hw_model: string; from: string; source: string }>(
      `SELECT hw_model, toString(toUnixTimestamp64Milli(valid_from)) AS from, source FROM ${db}.asset_history FINAL WHERE host = {h:String} ORDER BY valid_from`,
      { h: MODEL_CHANGE.host },
    );
    expect(versions).toEqual([
      { hw_model: MODEL_CHANGE.from, from: String(loaded.fleet.start - 30 * 86_400_000), source: 'synthetic' },
      { hw_model: MODEL_CHANGE.to, from: String(loaded.fleet.modelChangeAt), source: 'synthetic' },
    ]);
    expect(loaded.fleet.modelChangeAt).toBe(loaded.fleet.start + 3 * 3_600_000);
    const cells = await storage.query<{ site: string; hw_model: string; hosts: string }>(
      `SELECT site, hw_model, count() AS hosts FROM ${db}.asset_history FINAL WHERE role = 'web' AND valid_from < fromUnixTimestamp64Milli({start:Int64}, 'UTC') GROUP BY site, hw_model`,
      { start: loaded.fleet.start },
    );
    expect(cells).toHaveLength(FLEET_SITES.length * FLEET_MODELS.length);
    expect(new Set(cells.map((c) => c.hosts))).toEqual(new Set(['2']));
  });
});
