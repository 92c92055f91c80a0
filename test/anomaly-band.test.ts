// GET /api/v1/anomalies/band on a real server: a series with a daily cycle and one planted spike. The
// band holds the normal points and not the spike, is reduced to the asked width, and is what the job
// itself scores (compared with the anomalies a job run wrote for every point).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIFECYCLE } from '../analysis/alerts/lifecycle.ts';
import { jobConfigSchema } from '../analysis/config.ts';
import { detectorSet } from '../analysis/jobs/detector-set.ts';
import { createJobMetrics, JobRunner } from '../analysis/jobs/runner.ts';
import { readConfig } from '../bin/config.ts';
import { parseRoles } from '../bin/roles.ts';
import { buildServer, type Server } from '../bin/serve.ts';
import { createRegistry } from '../lib/metrics.ts';
import { seededRandom } from './helpers/seeded-random.ts';

const MIN = 60_000;
const DAY = 86_400_000;
const SID = '424242';
const JOB = { name: 'latency', metrics: ['band.latency'], stepMs: MIN, lagMs: 0 };
// 3.5 days of one sample a minute, ending 10 minutes ago; the band is asked for the last day.
const END = Math.floor(Date.now() / MIN) * MIN - 10 * MIN;
const START = END - 3.5 * DAY;
const FROM = END - DAY;
const SPIKE_AT = END - 7 * 3_600_000;

let server: Server;
let dir: string;
const observed = new Map<number, number>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fleetscope-band-'));
  const config = readConfig(undefined, { FLEETSCOPE_HTTP_PORT: '0', FLEETSCOPE_STORAGE_DATA_DIR: dir, FLEETSCOPE_ANALYSIS_JOBS: JSON.stringify([JOB, { name: 'web-peers', kind: 'peers' }]) });
  server = await buildServer(config, pino({ level: process.env.TEST_LOG ?? 'silent' }), parseRoles('dashboards'));
  const storage = server.storage!;
  const db = storage.database;
  const ts = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
  await storage.insertText(
    `INSERT INTO ${db}.series FORMAT JSONEachRow`,
    JSON.stringify({ series_id: SID, metric: 'band.latency', host: 'band-1', labels: {}, kind: 'gauge', interval_ms: MIN, last_seen: ts(END) }),
  );
  // A daily cycle of ±30 around 100 with noise of sd 2, and at SPIKE_AT 80 more.
  const rnd = seededRandom(7);
  const rows: string[] = [];
  for (let t = START; t < END; t += MIN) {
    const v = 100 + 30 * Math.sin((2 * Math.PI * (t % DAY)) / DAY) + 2 * rnd.normal() + (t === SPIKE_AT ? 80 : 0);
    observed.set(t, v);
    rows.push(JSON.stringify({ metric: 'band.latency', series_id: SID, ts: ts(t), value: v, rate: 'nan', raw: 0, kind: 'gauge' }));
  }
  await storage.insertText(`INSERT INTO ${db}.samples FORMAT JSONEachRow`, rows.join('\n'));
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Point {
  t: number;
  observed: number | null;
  expected: number | null;
  low: number | null;
  high: number | null;
  score: number;
}

async function band(query: string) {
  const res = await server.app.inject({ url: `/api/v1/anomalies/band?${query}` });
  return { status: res.statusCode, body: res.json() as any };
}

describe('GET /api/v1/anomalies/band', () => {
  it('holds the normal points of a daily cycle and not the planted spike', async () => {
    const res = await band(`series_id=${SID}&job=latency&from=${FROM}&to=${END - MIN}&width=2000`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ series_id: SID, job: 'latency', detector: 'default', step: MIN });
    const points = res.body.points as Point[];
    // Every step of the day, each with the value stored for it.
    const steps = [...observed.keys()].filter((t) => t >= FROM);
    expect(points.map((p) => p.t)).toEqual(steps);
    for (const p of points) expect(p.observed).toBeCloseTo(observed.get(p.t)!, 6);

    const spike = points.find((p) => p.t === SPIKE_AT)!;
    expect(spike.high).not.toBeNull();
    expect(spike.observed!).toBeGreaterThan(spike.high!);
    const normal = points.filter((p) => p.t !== SPIKE_AT);
    const inside = normal.filter((p) => p.low !== null && p.high !== null && p.observed! >= p.low && p.observed! <= p.high);
    expect(inside.length / normal.length).toBeGreaterThanOrEqual(0.9);
    expect(spike.score).toBe(Math.max(...points.map((p) => p.score)));
  });

  it('reduces the band to at most width columns, keeping the widest band and the highest score', async () => {
    const range = `series_id=${SID}&job=latency&from=${FROM}&to=${END - MIN}`;
    const full = (await band(`${range}&width=2000`)).body.points as Point[];
    const res = await band(`${range}&width=100`);
    const cols = res.body.points as Point[];
    expect(cols.length).toBeLessThanOrEqual(100);
    expect(cols.length).toBeGreaterThan(50);
    expect(Math.max(...cols.map((c) => c.score))).toBe(Math.max(...full.map((p) => p.score)));
    // Each column ends at one of the steps, with its expected value, and spans the band of the steps since the previous column.
    let prev = -Infinity;
    for (const c of cols) {
      const last = full.find((p) => p.t === c.t)!;
      expect(c.expected).toBe(last.expected);
      const inCol = full.filter((p) => p.t > prev && p.t <= c.t);
      expect(c.low).toBe(Math.min(...inCol.map((p) => p.low!)));
      expect(c.high).toBe(Math.max(...inCol.map((p) => p.high!)));
      prev = c.t;
    }
    // Without width, 1000 columns.
    const byDefault = (await band(range)).body.points as Point[];
    expect(full.length).toBeGreaterThan(1000);
    expect(byDefault.length).toBeLessThanOrEqual(1000);
    expect(byDefault.length).toBeGreaterThan(900);
  });

  it('is what the job scores for the same steps', async () => {
    const storage = server.storage!;
    const job = jobConfigSchema.parse({ ...JOB, warmupMs: 4 * DAY, maxCatchUpMs: 4 * DAY, recordThreshold: 0 });
    const runner = new JobRunner(job, {
      storage,
      detectors: detectorSet,
      lifecycle: DEFAULT_LIFECYCLE,
      publish: async () => {},
      metrics: createJobMetrics(createRegistry()),
      log: { info() {}, warn() {}, error() {} },
      now: () => END,
    });
    await runner.run();
    const rows = await storage.query<{ t: string; expected: number | null; low: number | null; high: number | null; score: number }>(
      `SELECT toString(toUnixTimestamp64Milli(ts)) AS t, expected, low, high, score FROM ${storage.database}.anomalies FINAL WHERE job = 'latency' AND ts >= fromUnixTimestamp64Milli({from:Int64}) ORDER BY ts`,
      { from: FROM },
    );
    const points = (await band(`series_id=${SID}&job=latency&from=${FROM}&to=${END - MIN}&width=2000`)).body.points as Point[];
    expect(rows.map((r) => Number(r.t))).toEqual(points.map((p) => p.t));
    rows.forEach((r, i) => {
      expect([points[i].expected, points[i].low, points[i].high]).toEqual([r.expected, r.low, r.high]);
      expect(points[i].score).toBeCloseTo(r.score, 5); // stored as Float32
    });
  });

  it.each([
    ['an unknown job', `series_id=${SID}&job=nope`, 404, 'ANALYSIS_ERR_UNKNOWN_JOB', /jobs are latency, web-peers/],
    ['a missing series_id', 'job=latency', 400, 'API_ERR_BAD_PARAM', /series_id/],
    ['a range over 31 days', `series_id=${SID}&job=latency&from=-32d&to=now`, 400, 'API_ERR_BAD_PARAM', /31 days/],
    ['a peers job', `series_id=${SID}&job=web-peers`, 400, 'API_ERR_BAD_PARAM', /peers/],
    ['an unknown series', 'series_id=1&job=latency', 404, 'API_ERR_NOT_FOUND', /no such series/],
    ['a width of 0', `series_id=${SID}&job=latency&width=0`, 400, 'API_ERR_BAD_PARAM', /width/],
  ])('refuses %s', async (_what, query, status, code, message) => {
    const res = await band(query);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toMatch(message);
  });
});
