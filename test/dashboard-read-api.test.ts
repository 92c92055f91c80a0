// The read endpoints of the web dashboards on a real server and the embedded engine: /api/v1/points with
// group_by and asset filters, /api/v1/overview and /api/v1/distribution, checked against what the
// synthetic fleet planted (expected values computed here from the generated records).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../bin/config.ts';
import { parseRoles } from '../bin/roles.ts';
import { buildServer, type Server } from '../bin/serve.ts';
import { tsText } from '../ingest/writer/rows.ts';
import { FLEET_MODELS, FLEET_SITES, WEB, loadSyntheticFleet, syntheticFleetRecords, type SyntheticFleet, type SyntheticHost } from './helpers/synthetic-fleet.ts';
import { freePortsEnv } from './helpers/fleetscope.ts';

let server: Server;
let dir: string;
let fleet: SyntheticFleet;
let now: number;
const SPIKE = { host: 'web-02', value: 9999, offsetMs: 30 * 60_000 + 1234 };
/** web-07 gets 720 extra latency samples of this value: its mean doubles into an outlier of its model. */
const OUTLIER = { host: 'web-07', value: 1000, count: 720 };
const STALE = { host: 'stale-01', agoMs: 30 * 60_000 };
const GHOST = { host: 'ghost-01', site: 'ams1', hwModel: 'Ghost 1' };

async function get(url: string) {
  const res = await server.app.inject({ url });
  return { status: res.statusCode, body: res.json() as Record<string, any> };
}

async function latencySeriesId(host: string): Promise<string> {
  const rows = await server.storage!.query<{ id: string }>(`SELECT toString(series_id) AS id FROM ${server.storage!.database}.series WHERE metric = {m:String} AND host = {h:String} LIMIT 1`, {
    m: WEB.latencyMetric,
    h: host,
  });
  return rows[0].id;
}

const modelNow = (h: SyntheticHost) => FLEET_MODELS[h.modelAfterChange].hwModel;

/** Every latency value per host in [start, end), the planted ones included: what the server should have read. */
function latencyByHost(): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const records of syntheticFleetRecords(fleet)) {
    for (const r of records) {
      if (r.metric !== WEB.latencyMetric) continue;
      let list = out.get(r.host);
      if (!list) out.set(r.host, (list = []));
      list.push(r.value);
    }
  }
  out.get(SPIKE.host)!.push(SPIKE.value);
  for (let k = 0; k < OUTLIER.count; k++) out.get(OUTLIER.host)!.push(OUTLIER.value);
  return out;
}

/** Type-7 quantile (linear between closest ranks), written out independently of the server's. */
function quantile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = p * (s.length - 1);
  const below = s[Math.floor(pos)];
  const above = s[Math.ceil(pos)];
  return below + (above - below) * (pos - Math.floor(pos));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fleetscope-dashboards-'));
  const config = readConfig(undefined, freePortsEnv({ FLEETSCOPE_STORAGE_DATA_DIR: dir }));
  server = await buildServer(config, pino({ level: process.env.TEST_LOG ?? 'silent' }), parseRoles('dashboards'));
  now = Date.now();
  // Two hours ending at the last whole minute: the newest samples are seconds old.
  const start = Math.floor(now / 60_000) * 60_000 - 2 * 3_600_000;
  fleet = (await loadSyntheticFleet(server.storage!, { hosts: 12, durationMs: 2 * 3_600_000, start })).fleet;
  const st = server.storage!;
  const db = st.database;
  await st.command(
    `INSERT INTO ${db}.samples (metric, series_id, ts, value, rate, raw, kind) VALUES ({m:String}, toUInt64({id:String}), fromUnixTimestamp64Milli({ts:Int64}), {v:Float64}, nan, 0, 'gauge')`,
    { m: WEB.latencyMetric, id: await latencySeriesId(SPIKE.host), ts: fleet.start + SPIKE.offsetMs, v: SPIKE.value },
  );
  await st.command(
    `INSERT INTO ${db}.samples (metric, series_id, ts, value, rate, raw, kind)
     SELECT {m:String}, toUInt64({id:String}), fromUnixTimestamp64Milli({s:Int64} + toInt64(number) * 10000 + 5003), {v:Float64}, nan, 0, 'gauge' FROM numbers({n:UInt32})`,
    { m: WEB.latencyMetric, id: await latencySeriesId(OUTLIER.host), s: fleet.start, v: OUTLIER.value, n: OUTLIER.count },
  );
  // 201 series of one host and metric, told apart by a label: too many groups by that label.
  await st.command(
    `INSERT INTO ${db}.series (series_id, metric, host, labels, kind, interval_ms, last_seen)
     SELECT number + 1000000, 'many.series', 'web-01', map('i', toString(number)), 'gauge', 10000, fromUnixTimestamp64Milli({t:Int64}) FROM numbers(201)`,
    { t: now },
  );
  // A host with series but no asset record, silent for 30 minutes, and one with an asset record only.
  await st.command(
    `INSERT INTO ${db}.series (series_id, metric, host, labels, kind, interval_ms, last_seen) VALUES (7, 'stale.metric', {h:String}, map(), 'gauge', 10000, fromUnixTimestamp64Milli({t:Int64}))`,
    { h: STALE.host, t: now - STALE.agoMs },
  );
  await st.insertText(
    `INSERT INTO ${db}.asset_history FORMAT JSONEachRow`,
    JSON.stringify({ host: GHOST.host, valid_from: tsText(now - 86_400_000), hw_model: GHOST.hwModel, site: GHOST.site, status: 'active', attrs: {}, deleted: 0, source: 'test', recorded_at: tsText(now - 86_400_000) }),
  );
  const anomaly = (kind: string, ts: number) => ({ job: 'j', detector: 'd', kind, series_id: 1, metric: 'm', host: 'web-01', labels: {}, ts: tsText(ts), score: 0.9, observed: 1, expected: 0, low: 0, high: 0, context: {}, detected_at: tsText(ts) });
  await st.insertText(
    `INSERT INTO ${db}.anomalies FORMAT JSONEachRow`,
    [anomaly('spike', now - 10 * 60_000), anomaly('spike', now - 20 * 60_000), anomaly('dip', now - 5 * 60_000), anomaly('spike', now - 3 * 3_600_000)].map((a) => JSON.stringify(a)).join('\n'),
  );
  const alert = (key: string, status: string, ago: number) => ({ job: 'j', key, status, state: '{}', updated_at: tsText(now - ago) });
  // One insert each: a single block would be collapsed to the newest row per key on insert.
  for (const a of [alert('a', 'pending', 60_000), alert('a', 'firing', 30_000), alert('b', 'pending', 10_000), alert('c', 'firing', 50_000), alert('c', 'resolved', 5_000)]) {
    await st.insertText(`INSERT INTO ${db}.alerts FORMAT JSONEachRow`, JSON.stringify(a));
  }
}, 300_000);

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('GET /api/v1/overview', () => {
  it('counts hosts by site and model, series, ingest, silent hosts, anomalies and alerts', async () => {
    const { status, body } = await get('/api/v1/overview');
    expect(status).toBe(200);
    const expected = new Map<string, number>();
    const add = (site: string, model: string) => expected.set(`${site}|${model}`, (expected.get(`${site}|${model}`) ?? 0) + 1);
    for (const h of fleet.hosts) add(h.site, modelNow(h));
    add(FLEET_SITES[0], 'MX480');
    add(GHOST.site, GHOST.hwModel);
    add('', '');
    expect(new Map(body.hosts.bySiteModel.map((r: { site: string; hw_model: string; count: number }) => [`${r.site}|${r.hw_model}`, r.count]))).toEqual(expected);
    expect(body.hosts.total).toBe(fleet.hosts.length + 3);
    const ams = body.hosts.bySite.find((r: { site: string }) => r.site === 'ams1').count;
    expect(ams).toBe(fleet.hosts.filter((h) => h.site === 'ams1').length + 2);
    const r650 = body.hosts.byModel.find((r: { hw_model: string }) => r.hw_model === 'PowerEdge R650').count;
    expect(r650).toBe(fleet.hosts.filter((h) => modelNow(h) === 'PowerEdge R650').length);

    expect(body.series.byMetric[0]).toEqual({ metric: 'many.series', count: 201 });
    expect(body.series.byMetric.find((r: { metric: string }) => r.metric === WEB.latencyMetric).count).toBe(fleet.hosts.length);

    expect(body.ingest.samplesLastHour).toBeGreaterThan(0);
    expect(body.ingest.samplesLast5m).toBeGreaterThan(0);
    expect(body.ingest.samplesLast5m).toBeLessThan(body.ingest.samplesLastHour);
    expect(body.ingest.hostsReportingLast5m).toBe(fleet.hosts.length + 1);
    expect(body.ingest.lastSampleAt).toBeGreaterThan(now - 5 * 60_000);
    expect(body.ingest.lastSampleAt).toBeLessThan(fleet.end);
    expect(body.ingest.hostsSilent).toEqual([
      { host: GHOST.host, lastSeen: null },
      { host: STALE.host, lastSeen: now - STALE.agoMs },
    ]);

    expect(body.anomalies).toEqual({ lastHour: 3, byKind: [{ kind: 'spike', count: 2 }, { kind: 'dip', count: 1 }] });
    expect(body.alerts).toEqual({ firing: 1, pending: 1 });
  });
});

describe('GET /api/v1/points with group_by', () => {
  const range = () => `metric=${WEB.latencyMetric}&start=${fleet.start}&end=${fleet.end}&width=100`;

  it('answers one line per hardware model with its members, and the planted spike as the high', async () => {
    const { status, body } = await get(`/api/v1/points?${range()}&group_by=hw_model`);
    expect(status).toBe(200);
    expect(body.reduction).toBe('group');
    expect(body.source).toBe('raw');
    expect(body.matched).toBe(fleet.hosts.length);
    const models = [...new Set(fleet.hosts.map(modelNow))].sort();
    expect(body.series.map((s: { key: string }) => s.key)).toEqual(models.map((m) => `hw_model=${m}`));
    for (const s of body.series) {
      expect(s.group).toEqual({ hw_model: s.group.hw_model });
      expect(s.members).toBe(fleet.hosts.filter((h) => modelNow(h) === s.group.hw_model).length);
      expect(s.points.length).toBeGreaterThan(90);
      expect(s.points.length).toBeLessThanOrEqual(100);
    }
    const spikeModel = modelNow(fleet.hosts.find((h) => h.host === SPIKE.host)!);
    const col = Math.ceil((fleet.end - fleet.start) / 100);
    const spikeT = fleet.start + Math.floor(SPIKE.offsetMs / col) * col + Math.round(col / 2);
    const values = latencyByHost();
    for (const s of body.series) {
      const high = Math.max(...s.high.map((p: [number, number]) => p[1]));
      const low = Math.min(...s.low.map((p: [number, number]) => p[1]));
      const members = fleet.hosts.filter((h) => modelNow(h) === s.group.hw_model).flatMap((h) => values.get(h.host)!);
      expect(low).toBe(Math.min(...members));
      if (s.group.hw_model === spikeModel) {
        expect(high).toBe(SPIKE.value);
        expect(s.high.find((p: [number, number]) => p[1] === SPIKE.value)[0]).toBe(spikeT);
        // The average of the column flattens it…
        expect(Math.max(...s.points.map((p: [number, number]) => p[1]))).toBeLessThan(SPIKE.value / 2);
      } else {
        expect(high).toBeLessThan(SPIKE.value);
      }
    }
    // …agg=max keeps it.
    const max = await get(`/api/v1/points?${range()}&group_by=asset.hw_model&agg=max`);
    expect(max.status).toBe(200);
    const g = max.body.series.find((s: { group: { hw_model: string } }) => s.group.hw_model === spikeModel);
    expect(Math.max(...g.points.map((p: [number, number]) => p[1]))).toBe(SPIKE.value);
  });

  it('narrows to the hosts whose current asset record matches asset.<field>', async () => {
    const ams = fleet.hosts.filter((h) => h.site === 'ams1');
    const grouped = await get(`/api/v1/points?${range()}&group_by=site,hw_model&asset.site=ams1`);
    expect(grouped.status).toBe(200);
    expect(grouped.body.matched).toBe(ams.length);
    expect(grouped.body.series.reduce((n: number, s: { members: number }) => n + s.members, 0)).toBe(ams.length);
    expect(grouped.body.series.every((s: { group: { site: string }; key: string }) => s.group.site === 'ams1' && s.key.startsWith('site=ams1, hw_model='))).toBe(true);
    const plain = await get(`/api/v1/points?${range()}&asset.site=ams1`);
    expect(plain.body.reduction).toBe('m4');
    expect(plain.body.series.map((s: { host: string }) => s.host).sort()).toEqual(ams.map((h) => h.host).sort());
    const none = await get(`/api/v1/points?${range()}&asset.site=nowhere`);
    expect(none.body).toMatchObject({ matched: 0, series: [] });
  });

  it('limits ungrouped series and says how many matched', async () => {
    const { status, body } = await get(`/api/v1/points?${range()}&limit=2`);
    expect(status).toBe(200);
    expect(body.series).toHaveLength(2);
    expect(body).toMatchObject({ matched: fleet.hosts.length, truncated: true });
    const all = await get(`/api/v1/points?${range()}`);
    expect(all.body.truncated).toBeUndefined();
    expect(all.body.matched).toBe(fleet.hosts.length);
  });

  it('refuses group_by without width, bad keys and parameters, and too many groups', async () => {
    const base = `metric=${WEB.latencyMetric}&start=${fleet.start}&end=${fleet.end}`;
    const cases: [string, string, string][] = [
      [`${base}&group_by=hw_model`, 'API_ERR_BAD_PARAM', 'width'],
      [`${base}&width=100&group_by=colour`, 'API_ERR_BAD_PARAM', 'group_by'],
      [`${base}&width=100&group_by=hw_model&agg=last`, 'API_ERR_BAD_PARAM', 'agg'],
      [`${base}&width=100&${encodeURIComponent("asset.x' OR 1=1")}=1`, 'API_ERR_BAD_PARAM', "asset.x' OR 1=1"],
      [`${base}&limit=0`, 'API_ERR_BAD_PARAM', 'limit'],
      [`metric=many.series&start=${fleet.start}&end=${fleet.end}&width=100&group_by=label.i`, 'API_ERR_TOO_MANY_GROUPS', 'group_by'],
    ];
    for (const [query, code, param] of cases) {
      const { status, body } = await get(`/api/v1/points?${query}`);
      expect(status, query).toBe(400);
      expect(body.error.code, query).toBe(code);
      expect(body.error.where.param, query).toBe(param);
    }
    const tooMany = await get(`/api/v1/points?metric=many.series&start=${fleet.start}&end=${fleet.end}&width=100&group_by=label.i`);
    expect(tooMany.body.error.where).toMatchObject({ groups: 201, limit: 200 });
    // The same 201 series in one group are fine.
    const one = await get(`/api/v1/points?metric=many.series&start=${fleet.start}&end=${fleet.end}&width=100&group_by=all`);
    expect(one.status).toBe(200);
    expect(one.body.series).toEqual([{ group: {}, key: 'all', members: 201, points: [], low: [], high: [] }]);
  });
});

describe('GET /api/v1/distribution', () => {
  it('answers per model the five numbers of the per-host means, and the planted outlier', async () => {
    const { status, body } = await get(`/api/v1/distribution?metric=${WEB.latencyMetric}&start=${fleet.start}&end=${fleet.end}&by=hw_model`);
    expect(status).toBe(200);
    expect(body.source).toBe('raw');
    const values = latencyByHost();
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const models = [...new Set(fleet.hosts.map(modelNow))].sort();
    expect(body.groups.map((g: { group: string }) => g.group)).toEqual(models);
    for (const g of body.groups) {
      const hosts = fleet.hosts.filter((h) => modelNow(h) === g.group);
      const means = hosts.map((h) => mean(values.get(h.host)!));
      expect(g.hosts).toBe(hosts.length);
      for (const [name, p] of [['min', 0], ['p25', 0.25], ['p50', 0.5], ['p75', 0.75], ['max', 1]] as const) expect(g[name], `${g.group} ${name}`).toBeCloseTo(quantile(means, p), 6);
      expect(g.mean).toBeCloseTo(mean(means), 6);
    }
    const outlierModel = modelNow(fleet.hosts.find((h) => h.host === OUTLIER.host)!);
    const og = body.groups.find((g: { group: string }) => g.group === outlierModel);
    expect(og.outliers.map((o: { host: string }) => o.host)).toEqual([OUTLIER.host]);
    expect(og.outliers[0].value).toBeCloseTo(mean(values.get(OUTLIER.host)!), 6);
    expect(body.groups.filter((g: { group: string }) => g.group !== outlierModel).every((g: { outliers: unknown[] }) => g.outliers.every((o) => (o as { host: string }).host !== OUTLIER.host))).toBe(true);
    expect(body.hosts).toHaveLength(fleet.hosts.length);
    expect(body.hosts.find((h: { host: string }) => h.host === OUTLIER.host)).toMatchObject({ group: outlierModel });
  });

  it('filters by asset and label, reads the rollup for long ranges, and refuses host as a group', async () => {
    const ams = await get(`/api/v1/distribution?metric=${WEB.latencyMetric}&start=${fleet.start}&end=${fleet.end}&by=site&asset.site=ams1&label.plugin=http`);
    expect(ams.status).toBe(200);
    expect(ams.body.groups.map((g: { group: string; hosts: number }) => [g.group, g.hosts])).toEqual([['ams1', fleet.hosts.filter((h) => h.site === 'ams1').length]]);
    const long = await get(`/api/v1/distribution?metric=${WEB.latencyMetric}&start=${fleet.start - 5 * 3_600_000}&end=${fleet.end}&by=hw_model&stat=max`);
    expect(long.status).toBe(200);
    expect(long.body.source).toBe('1m');
    const spikeModel = modelNow(fleet.hosts.find((h) => h.host === SPIKE.host)!);
    expect(long.body.groups.find((g: { group: string }) => g.group === spikeModel).max).toBe(SPIKE.value);
    const host = await get(`/api/v1/distribution?metric=${WEB.latencyMetric}&by=host`);
    expect(host.status).toBe(400);
    expect(host.body.error.where.param).toBe('by');
  });
});
