// Change attribution end to end: 16 web hosts of one role and model send latency through the writer's
// row path; at T a deploy reaches hosts 1–8 and a config change hosts 9–16, and hosts 1–8 (only) get
// three times slower a few minutes later. A real series job finds the anomalies; the deploy must come
// first for an anomaly of web-03, with a significant test, and the config change must be cleared.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIFECYCLE } from '../analysis/alerts/lifecycle.ts';
import type { AlertEvent } from '../analysis/alerts/model.ts';
import { attributeAnomaly } from '../analysis/changes/attribution-read.ts';
import { insertChanges, type StoredChange } from '../analysis/changes/store.ts';
import { jobConfigSchema } from '../analysis/config.ts';
import { detectorSet } from '../analysis/jobs/detector-set.ts';
import { createJobMetrics, JobRunner } from '../analysis/jobs/runner.ts';
import { readConfig } from '../bin/config.ts';
import { parseRoles } from '../bin/roles.ts';
import { buildServer, type Server } from '../bin/serve.ts';
import { pushValueList } from '../ingest/parsers/collectd-common/value-list.ts';
import { createIngestMetrics } from '../ingest/metrics.ts';
import { insertBlock, newRowBlock, RowBuilder, tsText } from '../ingest/writer/rows.ts';
import { createRegistry } from '../lib/metrics.ts';
import type { MetricRecord } from '../lib/record.ts';
import { seededRandom } from './helpers/seeded-random.ts';

const MIN = 60_000;
const H = 3_600_000;
const HOSTS = Array.from({ length: 16 }, (_, i) => `web-${String(i + 1).padStart(2, '0')}`);
const DEPLOYED = HOSTS.slice(0, 8);
const CONFIGURED = HOSTS.slice(8);
const METRIC = 'http.response_time_ms';
/** The changes; the regression starts 5 minutes later on the deployed hosts; the job runs until T + 40 min. */
const T = Math.floor(Date.now() / MIN) * MIN - 60 * MIN;
const START = T - 4 * H;
const END = T + 40 * MIN;

let server: Server;
let dir: string;
const events: AlertEvent[] = [];

const change = (id: string, kind: StoredChange['kind'], scope: StoredChange['scope'], ts: number, description: string): StoredChange => ({
  id,
  ts,
  kind,
  scope,
  description,
  link: '',
  source: 'api',
  attrs: {},
  createdAt: ts,
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fleetscope-attribution-'));
  const config = readConfig(undefined, { FLEETSCOPE_HTTP_PORT: '0', FLEETSCOPE_STORAGE_DATA_DIR: dir, FLEETSCOPE_ANALYSIS_JOBS: '[]' });
  server = await buildServer(config, pino({ level: process.env.TEST_LOG ?? 'silent' }), parseRoles('dashboards'));
  const storage = server.storage!;
  const db = storage.database;
  await storage.insertText(
    `INSERT INTO ${db}.asset_history SETTINGS async_insert = 0 FORMAT JSONEachRow`,
    HOSTS.map((host) => JSON.stringify({ host, valid_from: tsText(START - 24 * H), role: 'web', hw_model: 'PowerEdge R650', site: 'ams1', status: 'active', source: 'test', recorded_at: tsText(START) })).join('\n'),
  );
  // Samples the way the writer stores collectd value lists: RowBuilder rows, insertBlock.
  const rnd = seededRandom(11);
  const builder = new RowBuilder(1000);
  const block = newRowBlock();
  for (let t = START; t < END; t += 30_000) {
    const out: MetricRecord[] = [];
    HOSTS.forEach((host, i) => {
      const slow = i < 8 && t >= T + 5 * MIN ? 3 : 1;
      const v = (100 + 5 * rnd.normal()) * slow;
      pushValueList({ host, plugin: 'http', pluginInstance: '', type: 'response_time_ms', typeInstance: '', time: t + i * 100, interval: 30_000, dsNames: ['value'], kinds: ['gauge'], values: [v] }, out);
    });
    for (const r of out) builder.addRecord(block, r, 'collectd', r.ts);
  }
  await insertBlock({ storage, metrics: createIngestMetrics(createRegistry()), retries: 0 }, block, `attribution-${T}`);
  await insertChanges(storage, [
    change('deploy-a', 'deploy', { kind: 'host', hosts: DEPLOYED }, T, 'api 2.4.0'),
    change('config-b', 'config', { kind: 'host', hosts: CONFIGURED }, T, 'nginx keepalive 75s'),
    change('cdn-f', 'other', { kind: 'fleet' }, T - 30 * MIN, 'CDN purge'),
  ]);
  const job = jobConfigSchema.parse({ name: 'latency', metrics: [METRIC], lagMs: 0, warmupMs: 4 * H });
  const runner = new JobRunner(job, {
    storage,
    detectors: detectorSet,
    lifecycle: { ...DEFAULT_LIFECYCLE, threshold: 0.5, pendingMs: 2 * MIN },
    publish: async (e) => {
      events.push(...e);
    },
    metrics: createJobMetrics(createRegistry()),
    log: { info() {}, warn() {}, error() {} },
    now: () => END,
  });
  await runner.run();
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function get(url: string) {
  const res = await server.app.inject({ url });
  return { status: res.statusCode, body: res.json() as any };
}

async function anomaliesOf(host: string) {
  const { status, body } = await get(`/api/v1/anomalies?host=${host}&metric=${METRIC}&from=${T}&to=${END}&min_score=0.5`);
  expect(status).toBe(200);
  return body.anomalies as { id: string; host: string; ts: number }[];
}

describe('what changed before an anomaly', () => {
  it('the job found the planted regression on the deployed hosts only', async () => {
    const { body } = await get(`/api/v1/anomalies?metric=${METRIC}&from=${T}&to=${END}&min_score=0.5&limit=10000`);
    const hosts = new Set((body.anomalies as { host: string }[]).map((a) => a.host));
    for (const h of DEPLOYED) expect(hosts.has(h), h).toBe(true);
    expect(CONFIGURED.filter((h) => hosts.has(h)).length).toBeLessThanOrEqual(1);
  });

  it('ranks the deploy first for an anomaly of web-03, with a significant test', async () => {
    const [first] = (await anomaliesOf('web-03')).sort((a, b) => a.ts - b.ts);
    expect(first.id).toMatch(/^latency~[^~]+~\d+~\d+$/);
    expect(first.ts).toBeGreaterThanOrEqual(T + 5 * MIN);
    const { status, body } = await get(`/api/v1/anomalies/${first.id}/changes?window=24h`);
    // FLEETSCOPE_PRINT=1 prints the answer (docs/api.md shows one).
    if (process.env.FLEETSCOPE_PRINT) console.log(JSON.stringify(body));
    expect(status).toBe(200);
    expect(body.anomaly).toMatchObject({ id: first.id, host: 'web-03', metric: METRIC, ts: first.ts });
    expect(body.window).toBe(24 * H);
    expect(body.peers).toEqual({ field: 'role', value: 'web', hosts: 16 });
    // The config change did not reach web-03: it is no candidate; the fleet-wide one is, without a comparison.
    expect(body.changes.map((c: any) => [c.change.id, c.relation])).toEqual([
      ['deploy-a', 'host'],
      ['cdn-f', 'fleet'],
    ]);
    const [deploy, cdn] = body.changes;
    expect(deploy.lagMs).toBe(first.ts - T);
    // web-03 itself is left out: 7 other deployed hosts against the 8 configured ones.
    expect(deploy.evidence.changed).toEqual({ hosts: 7, anomalous: 7 });
    expect(deploy.evidence.unchanged.hosts).toBe(8);
    expect(deploy.evidence.unchanged.anomalous).toBeLessThanOrEqual(1);
    expect(deploy.evidence.pValue).toBeLessThan(0.01);
    expect(deploy.evidence.verdict).toMatch(/^hosts that got this change were anomalous more often: 7 of 7 vs [01] of 8, p = /);
    expect(cdn.evidence).toBeNull();
    expect(cdn.note).toMatch(/^no comparison/);
    expect(deploy.score).toBeGreaterThan(cdn.score);
  });

  it('clears the config change: its hosts were not anomalous more often', async () => {
    const { changes } = await attributeAnomaly(server.storage!, { host: 'web-12', metric: METRIC, ts: T + 10 * MIN });
    const config = changes.find((c) => c.change.id === 'config-b')!;
    expect(config.relation).toBe('host');
    expect(config.evidence!.changed).toEqual({ hosts: 7, anomalous: expect.any(Number) });
    expect(config.evidence!.changed.anomalous).toBeLessThanOrEqual(1);
    expect(config.evidence!.unchanged).toEqual({ hosts: 8, anomalous: 8 });
    expect(config.evidence!.pValue).toBeGreaterThan(0.5);
    expect(config.evidence!.significant).toBe(false);
    expect(config.evidence!.verdict).toMatch(/^no difference/);
    expect(changes.some((c) => c.change.id === 'deploy-a')).toBe(false);
  });

  it('names the deploy in the firing alert of a deployed host', () => {
    const firing = events.filter((e) => e.kind === 'firing' && e.alert.labels.host === 'web-03');
    expect(firing).toHaveLength(1);
    expect(firing[0].alert.annotations.changes).toMatch(/^deploy api 2\.4\.0 on 8 hosts \d+ min before \(changed hosts anomalous 7\/7 vs [01]\/8, p = 0\.00\d+\)$/);
  });

  it.each([
    ['a malformed id', '/api/v1/anomalies/not-an-id/changes', 400, 'API_ERR_BAD_PARAM'],
    ['an unknown anomaly', `/api/v1/anomalies/latency~default~1~${T}/changes`, 404, 'ANOMALY_ERR_NOT_FOUND'],
    ['a bad window', `/api/v1/anomalies/latency~default~1~${T}/changes?window=yesterday`, 400, 'API_ERR_BAD_PARAM'],
  ])('answers %s', async (_name, url, status, code) => {
    const res = await get(url);
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.body.error.code).toBe(code);
  });
});
