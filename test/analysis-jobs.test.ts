// Detection jobs on the real engine: a peer-group job finds the host unlike the others of its hardware
// model; a series job resumes after a restart where it stood (watermark, detector state, alerts) and
// never runs twice at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../lib/clickhouse/client.ts';
import { createRegistry } from '../lib/metrics.ts';
import { DEFAULT_LIFECYCLE } from '../analysis/alerts/lifecycle.ts';
import type { AlertEvent } from '../analysis/alerts/model.ts';
import { analysisConfigSchema, jobConfigSchema } from '../analysis/config.ts';
import { detectorSet } from '../analysis/jobs/detector-set.ts';
import { createJobMetrics, JobRunner, type JobDeps } from '../analysis/jobs/runner.ts';
import { openTestStorage } from './helpers/storage.ts';

const MIN = 60_000;
const HOSTS = 12;
let storage: Storage;
let cleanup: () => Promise<void>;
const t0 = Math.floor(Date.now() / MIN) * MIN - 5 * MIN;
const start = t0 - 60 * MIN;

beforeAll(async () => {
  ({ storage, cleanup } = await openTestStorage());
  const db = storage.database;
  await storage.command(`INSERT INTO ${db}.series SELECT number + 1, 'job.latency', concat('h-', toString(number)), map(), 'gauge', 60000, now64(3) FROM numbers(${HOSTS})`);
  await storage.command(
    `INSERT INTO ${db}.asset_history (host, valid_from, hw_model, site, source, recorded_at) SELECT concat('h-', toString(number)), now64(3) - INTERVAL 1 DAY, 'R650', 'ams1', 'test', now64(3) FROM numbers(${HOSTS})`,
  );
  // An hour and five minutes of one sample a minute; h-3 runs twice as slow as its peers in the last 4 minutes.
  await storage.command(
    `INSERT INTO ${db}.samples SELECT 'job.latency', h + 1, fromUnixTimestamp64Milli(toInt64(${start} + m * 60000 + 1000), 'UTC'),
       if(h = 3 AND m >= 61, 200, 100) + (cityHash64(h, m) % 100) / 25.0, nan, 0, 'gauge'
     FROM (SELECT number % ${HOSTS} AS h, intDiv(number, ${HOSTS}) AS m FROM numbers(${HOSTS * 65}))`,
  );
}, 120_000);

afterAll(async () => {
  await cleanup?.();
});

function deps(now: () => number, events: AlertEvent[], registry = createRegistry()): JobDeps {
  return {
    storage,
    detectors: detectorSet,
    lifecycle: { ...DEFAULT_LIFECYCLE, threshold: 0.5, pendingMs: 2 * MIN },
    publish: async (e) => {
      events.push(...e);
    },
    metrics: createJobMetrics(registry),
    log: { info() {}, warn() {}, error() {} },
    now,
    snapshotEveryRuns: 1,
  };
}

describe('analysis jobs', () => {
  it('selects its series with the query language, asset attributes included', async () => {
    const pick = async (select: string) => {
      const job = jobConfigSchema.parse({ name: `sel-${select.length}`, select, lagMs: 0, warmupMs: 10 * MIN });
      const runner = new JobRunner(job, deps(() => t0, []));
      await runner.run();
      return runner.status().series;
    };
    expect(await pick('metric "job.latency" where host in ["h-3", "h-4"]')).toBe(2);
    expect(await pick('metric "job.*" where hw_model = "R650" and host ~ "h-1*"')).toBe(3);
    expect(await pick('metric "job.latency" where site = "nowhere"')).toBe(0);
    expect(() => analysisConfigSchema.parse({ jobs: [{ name: 'x', select: 'metric "a" whre host = "b"' }] })).toThrow(/not a selection/);
  });

  it('a peer-group job flags the host unlike the others of its hardware model', async () => {
    const events: AlertEvent[] = [];
    const job = jobConfigSchema.parse({ name: 'peers', kind: 'peers', metrics: ['job.latency'], peers: 'hw_model', lagMs: 0, warmupMs: 60 * MIN });
    const runner = new JobRunner(job, deps(() => t0 + 5 * MIN, events));
    await runner.run();
    const rows = await storage.query<{ host: string; detector: string; n: string; top: number }>(
      `SELECT host, detector, count() AS n, max(score) AS top FROM ${storage.database}.anomalies WHERE job = 'peers' AND score >= 0.5 GROUP BY host, detector`,
    );
    expect(rows.map((r) => r.host)).toEqual(['h-3']);
    expect(rows[0].detector).toBe('peers:hw_model');
    expect(Number(rows[0].n)).toBe(4);
    const firing = events.filter((e) => e.kind === 'firing');
    expect(firing.map((e) => e.alert.labels)).toEqual([{ alertname: 'FleetscopePeerAnomaly', job: 'peers', host: 'h-3', severity: 'warning' }]);
    expect(firing[0].alert.annotations.hw_model).toBe('R650');
  });

  it('a series job resumes after a restart where it stood, and never runs twice at once', async () => {
    const job = jobConfigSchema.parse({ name: 'series', metrics: ['job.latency'], lagMs: 0, warmupMs: 60 * MIN });
    let now = t0;
    const first = new JobRunner(job, deps(() => now, []));
    await first.run();
    expect(first.status()).toMatchObject({ watermark: t0, series: HOSTS });
    await first.stop(); // saves the detectors' state
    now = t0 + 5 * MIN;
    const events: AlertEvent[] = [];
    const registry = createRegistry();
    const second = new JobRunner(job, deps(() => now, events, registry));
    // Two runs asked at once: the second waits its turn instead of scoring the same steps again.
    const tick = (second as unknown as { tick(): Promise<void> }).tick.bind(second);
    await Promise.all([tick(), tick()]);
    expect(second.status()).toMatchObject({ watermark: t0 + 5 * MIN, series: HOSTS });
    expect(second.status().lastRun).toMatchObject({ points: 5 * HOSTS });
    expect(registry.render()).toContain('fleetscope_analysis_runs_total{job="series",outcome="skipped"} 1');
    // With the state it had learnt, the slow host's jump is an anomaly at once (no warm-up again).
    const fired = events.filter((e) => e.kind === 'firing').map((e) => e.alert.labels.host);
    expect(fired).toEqual(['h-3']);
    const saved = await storage.query<{ w: string }>(`SELECT toString(toUnixTimestamp64Milli(max(watermark))) AS w FROM ${storage.database}.job_state WHERE job = 'series'`);
    expect(Number(saved[0].w)).toBe(t0 + 5 * MIN);
  });
});
