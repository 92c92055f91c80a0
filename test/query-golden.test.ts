// Queries against the real engine on a synthetic fleet whose truth is planted: the answers must recover
// it (model means and throughput, the better model with a small p-value, the planted lead of backbone
// saturation over latency, days until disks are full, the model a host had at each sample's time).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../lib/clickhouse/client.ts';
import { runQuery } from '../query/engine.ts';
import type { QueryResult } from '../query/result.ts';
import { BACKBONE, DISKS, FLEET_MODELS, MODEL_CHANGE, WEB, loadSyntheticFleet, type SyntheticFleet } from './helpers/synthetic-fleet.ts';
import { openTestStorage } from './helpers/storage.ts';

let storage: Storage;
let cleanup: () => Promise<void>;
let fleet: SyntheticFleet;
let now: number;

beforeAll(async () => {
  ({ storage, cleanup } = await openTestStorage());
  const loaded = await loadSyntheticFleet(storage, { now: Date.now() });
  fleet = loaded.fleet;
  now = fleet.end;
}, 300_000);

afterAll(async () => {
  await cleanup?.();
});

/** Rows as objects by column name. */
function objects(r: QueryResult): Record<string, unknown>[] {
  return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c.name, row[i]])));
}

async function q(text: string): Promise<{ r: QueryResult; rows: Record<string, unknown>[] }> {
  const r = await runQuery(storage, text, { now });
  return { r, rows: objects(r) };
}

describe('queries recover the planted truth of a synthetic fleet', () => {
  it('latency and throughput per host by hardware model', async () => {
    const lat = await q(`metric "${WEB.latencyMetric}" last 6h | enrich asof hw_model | stats avg_ms = avg(value), p99_ms = p99(value), hosts = dcount(host) by hw_model`);
    const byModel = new Map(lat.rows.map((r) => [r.hw_model, r]));
    for (const m of FLEET_MODELS) {
      const row = byModel.get(m.hwModel);
      expect(row, m.hwModel).toBeDefined();
      expect(Math.abs(Number(row!.avg_ms) - m.latencyMs)).toBeLessThan(3);
      expect(Number(row!.p99_ms)).toBeGreaterThan(Number(row!.avg_ms));
    }
    const rps = await q(`metric "${WEB.requestsMetric}" last 6h | rate | stats rps = avg(value) by host | stats hosts = count(), rps_per_host = avg(rps) by hw_model`);
    const rpsBy = new Map(rps.rows.map((r) => [r.hw_model, Number(r.rps_per_host)]));
    for (const m of FLEET_MODELS.filter((x) => x.hwModel !== MODEL_CHANGE.to && x.hwModel !== MODEL_CHANGE.from)) {
      expect(Math.abs(rpsBy.get(m.hwModel)! - m.requestsPerSecond)).toBeLessThan(0.5);
    }
    expect(rps.r.source).toBe('samples');
  });

  it('compare: the model with the better latency wins with a small p-value, hosts as the units', async () => {
    const { r, rows } = await q(`metric "${WEB.latencyMetric}" last 6h | compare value by hw_model`);
    const best = [...FLEET_MODELS].sort((a, b) => a.latencyMs - b.latencyMs)[0].hwModel;
    const sorted = [...rows].sort((a, b) => Number(a.mean) - Number(b.mean));
    expect(sorted[0].hw_model).toBe(best);
    const d = r.details!.compare as { omnibus: { p: number; eta_squared: number }; pairs: { a: string; b: string; p_holm: number; ci_low: number; ci_high: number }[]; verdict: string };
    expect(d.omnibus.p).toBeLessThan(1e-6);
    expect(d.omnibus.eta_squared).toBeGreaterThan(0.8);
    const vsBest = d.pairs.filter((p) => p.a === best || p.b === best);
    expect(vsBest).toHaveLength(2);
    for (const p of vsBest) {
      expect(p.p_holm).toBeLessThan(0.001);
      expect(p.ci_low > 0 || p.ci_high < 0).toBe(true); // the interval of the difference excludes 0
    }
    // Units are hosts: the group sizes are host counts, not sample counts.
    expect(rows.reduce((n, x) => n + Number(x.units), 0)).toBe(fleet.hosts.length);
    expect(d.verdict).toMatch(/hw_model matters/);
  });

  it('correlate: backbone saturation leads latency by the planted lag', async () => {
    const text = `let backbone = metric "${BACKBONE.rxMetric}" where host = "${BACKBONE.host}" last 6h
  | rate | stats every 5m util = avg(value * 8 / ${BACKBONE.capacityBitsPerSecond});
metric "${WEB.latencyMetric}" last 6h
| stats every 5m lat = avg(value)
| join $backbone
| correlate util, lat lag 0m to 30m`;
    const { r, rows } = await q(text);
    expect(rows).toHaveLength(7);
    const best = (r.details!.correlate as { best: { lag: number; pearson: number; p: number } }).best;
    expect(best.lag).toBe(BACKBONE.lagMs);
    expect(best.pearson).toBeGreaterThan(0.8);
    expect(best.p).toBeLessThan(0.001);
    const at0 = rows.find((x) => x.lag === 0)!;
    expect(Number(at0.pearson)).toBeLessThan(best.pearson);
  });

  it('trend: days until each disk is full, within 10% of the planted value', async () => {
    const { rows } = await q(`metric "${DISKS.metric}" where plugin_instance = "${DISKS.pluginInstance}" and type_instance = "${DISKS.typeInstance}" last 6h
| stats every 30m used = max(value) by host
| trend used until disk_capacity_bytes
| sort days_to_full`);
    const disks = fleet.hosts.filter((h) => h.disk);
    expect(rows).toHaveLength(disks.length);
    for (const h of disks) {
      const row = rows.find((x) => x.host === h.host)!;
      const planted = h.disk!.daysToFullAtEnd;
      expect(Math.abs(Number(row.days_to_full) - planted) / planted).toBeLessThan(0.1);
      expect(Number(row.days_to_full_low)).toBeLessThanOrEqual(Number(row.days_to_full));
      expect(Number(row.days_to_full_high)).toBeGreaterThanOrEqual(Number(row.days_to_full));
      expect(Math.abs(Number(row.slope_per_day) - h.disk!.bytesPerDay) / h.disk!.bytesPerDay).toBeLessThan(0.1);
    }
    const days = rows.map((x) => Number(x.days_to_full));
    expect(days).toEqual([...days].sort((a, b) => a - b));
  });

  it('enrich asof: samples take the model the host had at their time', async () => {
    const { rows } = await q(`metric "${WEB.latencyMetric}" where host = "${MODEL_CHANGE.host}" last 6h | enrich asof hw_model | stats n = count(), first_ts = min(epoch(ts)), last_ts = max(epoch(ts)) by hw_model | sort first_ts`);
    expect(rows.map((r) => r.hw_model)).toEqual([MODEL_CHANGE.from, MODEL_CHANGE.to]);
    expect(Number(rows[0].last_ts) * 1000).toBeLessThan(fleet.modelChangeAt);
    expect(Number(rows[1].first_ts) * 1000).toBeGreaterThanOrEqual(fleet.modelChangeAt);
    // Without asof, the current model labels every sample.
    const current = await q(`metric "${WEB.latencyMetric}" where host = "${MODEL_CHANGE.host}" last 6h | stats n = count() by hw_model`);
    expect(current.rows.map((r) => r.hw_model)).toEqual([MODEL_CHANGE.to]);
  });

  it('a long range reads the rollups and answers as raw samples do', async () => {
    const text = (range: string) => `metric "${WEB.latencyMetric}" ${range} | stats avg_ms = avg(value), n = count(), top = max(value) by hw_model`;
    const raw = await q(text('last 6h'));
    const rolled = await q(text('last 3d'));
    expect(raw.r.source).toBe('samples');
    expect(rolled.r.source).toBe('samples_1m');
    expect(rolled.r.warnings.join(' ')).toContain('rollup');
    expect(rolled.rows.map((r) => r.hw_model)).toEqual(raw.rows.map((r) => r.hw_model));
    rolled.rows.forEach((r, i) => {
      expect(r.n).toBe(raw.rows[i].n);
      expect(Number(r.avg_ms)).toBeCloseTo(Number(raw.rows[i].avg_ms), 6);
      expect(r.top).toBe(raw.rows[i].top);
    });
    const month = await q(text('last 30d'));
    expect(month.r.source).toBe('samples_1d');
    month.rows.forEach((r, i) => {
      expect(r.n).toBe(raw.rows[i].n);
      expect(Number(r.avg_ms)).toBeCloseTo(Number(raw.rows[i].avg_ms), 6);
    });
    const rates = await q(`metric "${WEB.requestsMetric}" last 3d | rate | stats rps = avg(value) by host | stats rps_per_host = avg(rps) by hw_model`);
    expect(rates.r.source).toBe('samples_1m');
    const rawRates = await q(`metric "${WEB.requestsMetric}" last 6h | rate | stats rps = avg(value) by host | stats rps_per_host = avg(rps) by hw_model`);
    rates.rows.forEach((r, i) => expect(Number(r.rps_per_host)).toBeCloseTo(Number(rawRates.rows[i].rps_per_host), 6));
  });

  it('stats every with gap fill, top per group and head', async () => {
    const { r, rows } = await q(`metric "${WEB.latencyMetric}" from now-2h to now | stats every 30m n = count() by site | top 2 n by site`);
    expect(r.view.kind).toBe('timechart');
    const sites = new Set(rows.map((x) => x.site));
    for (const s of sites) expect(rows.filter((x) => x.site === s)).toHaveLength(2);
    const zero = await q(`metric "${WEB.latencyMetric}" from now-8h to now | stats every 1h fill zero n = count()`);
    expect(zero.rows).toHaveLength(8);
    expect(zero.rows.filter((x) => x.n === 0).length).toBeGreaterThanOrEqual(1); // hours before the data began
    const nul = await q(`metric "${WEB.latencyMetric}" from now-8h to now | stats every 1h n = count()`);
    expect(nul.rows.filter((x) => x.n === null).length).toBe(zero.rows.filter((x) => x.n === 0).length);
  });
});
