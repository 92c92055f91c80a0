// Analysis job benchmark: one detection job over 2,000 hosts × 100 series at a 1-minute step on the
// embedded engine. Reports the first run (warm-up over the last 15 minutes), steady runs (one new
// minute each), a run that also saves every detector's state, and the memory the job holds.
//   npm run bench -- --only analysis [--analysis-hosts 2000 --analysis-series 100]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { openStorage } from '../lib/clickhouse/client.ts';
import { storageConfigSchema } from '../lib/clickhouse/config.ts';
import { migrate } from '../lib/clickhouse/migrate.ts';
import { createRegistry } from '../lib/metrics.ts';
import { DEFAULT_LIFECYCLE } from '../analysis/alerts/lifecycle.ts';
import { jobConfigSchema } from '../analysis/config.ts';
import { detectorSet } from '../analysis/jobs/detector-set.ts';
import { createJobMetrics, JobRunner } from '../analysis/jobs/runner.ts';

const MIN = 60_000;

export async function benchAnalysis(opts: { hosts?: number; series?: number } = {}): Promise<void> {
  const hosts = opts.hosts ?? 2000;
  const perHost = opts.series ?? 100;
  const n = hosts * perHost;
  const dir = mkdtempSync(join(tmpdir(), 'fleetscope-bench-analysis-'));
  const config = storageConfigSchema.parse({ dataDir: dir, database: 'bench' });
  const storage = await openStorage(config);
  try {
    await migrate(storage, config);
    const db = storage.database;
    const t0 = Math.floor(Date.now() / MIN) * MIN;
    const warm = 15;
    const minutes = warm + 4;
    const start = t0 - warm * MIN;
    let t = performance.now();
    await storage.command(
      `INSERT INTO ${db}.series SELECT number + 1, concat('bench.m', toString(number % ${perHost})), concat('h-', toString(intDiv(number, ${perHost}))), map(), 'gauge', 60000, now64(3) FROM numbers(${n})`,
    );
    await storage.command(
      `INSERT INTO ${db}.asset_history (host, valid_from, hw_model, site, source, recorded_at) SELECT concat('h-', toString(number)), now64(3) - INTERVAL 1 DAY, concat('model-', toString(number % 5)), concat('site-', toString(number % 7)), 'bench', now64(3) FROM numbers(${hosts})`,
    );
    // One sample per series and minute; a daily-ish wave, series-specific level, small noise.
    await storage.command(
      `INSERT INTO ${db}.samples SELECT concat('bench.m', toString(s % ${perHost})), s + 1, fromUnixTimestamp64Milli(toInt64(${start} + m * 60000 + 5000), 'UTC'),
         100 + (s % 37) + 10 * sin(m / 30 + s) + (cityHash64(s, m) % 100) / 50.0, nan, 0, 'gauge'
       FROM (SELECT number % ${n} AS s, intDiv(number, ${n}) AS m FROM numbers(${n * minutes}))
       SETTINGS max_insert_block_size = 1000000`,
    );
    const loadS = (performance.now() - t) / 1000;
    let now = t0;
    const job = jobConfigSchema.parse({ name: 'bench', metrics: ['bench.*'], stepMs: MIN, lagMs: 0, warmupMs: warm * MIN });
    const log = { info() {}, warn() {}, error: (o: object, m: string) => console.error(m, o) };
    const runner = new JobRunner(job, {
      storage,
      detectors: detectorSet,
      lifecycle: DEFAULT_LIFECYCLE,
      publish: async () => {},
      metrics: createJobMetrics(createRegistry()),
      log,
      now: () => now,
      snapshotEveryRuns: 1_000_000,
    });
    const timed = async () => {
      const a = performance.now();
      await runner.run();
      return (performance.now() - a) / 1000;
    };
    const first = await timed();
    const steady: number[] = [];
    for (let i = 1; i <= 3; i++) {
      now = t0 + i * MIN;
      steady.push(await timed());
    }
    global.gc?.();
    const heapMb = process.memoryUsage().heapUsed / 2 ** 20;
    t = performance.now();
    await (runner as unknown as { saveStates(): Promise<void> }).saveStates();
    const saveS = (performance.now() - t) / 1000;
    const status = runner.status();
    console.log(`\nAnalysis job benchmark: ${hosts} hosts × ${perHost} series = ${n.toLocaleString('en-US')} series, 1-minute step, embedded engine\n`);
    console.log('| what | seconds |');
    console.log('| --- | --- |');
    console.log(`| load ${(n * minutes).toLocaleString('en-US')} samples (through the rollup views) | ${loadS.toFixed(1)} |`);
    console.log(`| first run: ${warm} minutes of warm-up (${(n * warm).toLocaleString('en-US')} points) | ${first.toFixed(2)} |`);
    console.log(`| steady run: one new minute (${n.toLocaleString('en-US')} points), median of 3 | ${[...steady].sort((a, b) => a - b)[1].toFixed(2)} |`);
    console.log(`| saving every detector's state (${status.series.toLocaleString('en-US')} rows) | ${saveS.toFixed(2)} |`);
    console.log(`\nJS heap after the runs: ${heapMb.toFixed(0)} MiB (${((heapMb * 2 ** 20) / Math.max(1, status.series)).toFixed(0)} bytes per series, all state included)`);
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { hosts: { type: 'string' }, series: { type: 'string' } } });
  await benchAnalysis({ hosts: values.hosts ? Number(values.hosts) : undefined, series: values.series ? Number(values.series) : undefined });
}
