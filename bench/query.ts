// Query benchmark: the canonical correlation question ("avg and p99 response time, and throughput per
// host, by hardware model") through the query engine on the embedded engine, over the benchmark fleet of
// bench/query-fleet.ts: the last 24 hours (raw samples) and the last 30 days (1-hour rollup).
//   npm run bench -- --only query [--query-runs 5 --query-hosts 2000]
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { runQuery } from '../query/engine.ts';
import type { QueryResult } from '../query/result.ts';
import { openQueryFleet, type QueryFleetManifest } from './query-fleet.ts';

/**
 * The benchmarked queries, quoted as they are by docs. Latency and throughput come from two metrics: each
 * has its own query, and `both` answers the whole question in one statement by joining the two on the
 * model.
 */
export const QUERY_BENCH_QUERIES = {
  '24h': {
    latency: 'metric "http.response_time_ms" last 24h | stats avg_ms = avg(value), p99_ms = p99(value) by hw_model',
    throughput: 'metric "http.requests" last 24h | rate | stats rps = avg(value) by host | stats hosts = count(), rps_per_host = avg(rps) by hw_model',
    both:
      'let tp = metric "http.requests" last 24h | rate | stats rps = avg(value) by host | stats hosts = count(), rps_per_host = avg(rps) by hw_model; ' +
      'metric "http.response_time_ms" last 24h | stats avg_ms = avg(value), p99_ms = p99(value) by hw_model | join $tp on hw_model',
  },
  '30d': {
    latency: 'metric "http.response_time_ms" last 30d | stats avg_ms = avg(value), p99_ms = p99(value) by hw_model',
    throughput: 'metric "http.requests" last 30d | rate | stats rps = avg(value) by host | stats hosts = count(), rps_per_host = avg(rps) by hw_model',
    both:
      'let tp = metric "http.requests" last 30d | rate | stats rps = avg(value) by host | stats hosts = count(), rps_per_host = avg(rps) by hw_model; ' +
      'metric "http.response_time_ms" last 30d | stats avg_ms = avg(value), p99_ms = p99(value) by hw_model | join $tp on hw_model',
  },
} as const;

/** Options of {@link benchQuery}. */
export interface QueryBenchOptions {
  /** Timed runs per query, after one warm-up run. @default 5 */
  readonly runs?: number;
  /** Hosts of the benchmark fleet. @default 2000 */
  readonly hosts?: number;
  /** Regenerate the fleet even when a cached copy is fresh. */
  readonly force?: boolean;
}

/** Timing of one query. */
export interface QueryBenchRow {
  readonly range: string;
  readonly query: string;
  readonly source: string;
  readonly rows: number;
  readonly medianMs: number;
  readonly p95Ms: number;
  readonly error?: string;
  readonly result?: QueryResult;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

async function timeQuery(storage: Parameters<typeof runQuery>[0], text: string, now: number, runs: number): Promise<Omit<QueryBenchRow, 'range' | 'query'>> {
  try {
    let result = await runQuery(storage, text, { now });
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      result = await runQuery(storage, text, { now });
      ms.push(performance.now() - t);
    }
    ms.sort((a, b) => a - b);
    return { source: result.source, rows: result.rows.length, medianMs: percentile(ms, 0.5), p95Ms: percentile(ms, 0.95), result };
  } catch (err) {
    return { source: '', rows: 0, medianMs: NaN, p95Ms: NaN, error: (err as Error).message.split('\n')[0] };
  }
}

const ms = (v: number) => (Number.isNaN(v) ? '–' : Math.round(v).toLocaleString('en-US'));

function fleetLine(m: QueryFleetManifest, reused: boolean): string {
  const t = m.tables;
  const n = (table: string) => (t[table]?.rows ?? 0).toLocaleString('en-US');
  const mib = Object.values(t).reduce((s, x) => s + x.bytes, 0) / 2 ** 20;
  return (
    `fleet ${m.version}: ${m.hosts} hosts, ${n('samples')} raw samples, ${n('samples_1m')} rows in samples_1m, ${n('samples_1h')} in samples_1h ` +
    `(${Math.round(mib)} MiB on disk); ${reused ? 'reused, generated' : 'generated'} in ${m.generationSeconds} s; queries run with now = ${new Date(m.anchorMs).toISOString()}`
  );
}

function resultTable(r: QueryResult): string {
  const fmt = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : String(v));
  return [`| ${r.columns.map((c) => c.name).join(' | ')} |`, `|${r.columns.map(() => ' --- ').join('|')}|`, ...r.rows.map((row) => `| ${row.map(fmt).join(' | ')} |`)].join('\n');
}

/**
 * Runs the benchmark: opens (or first generates) the fleet, runs each query of QUERY_BENCH_QUERIES once to
 * warm up and then `runs` times, and prints a markdown table of median and p95 wall time, rows and the table
 * read, plus the answers of the joined queries. A query the engine refuses is reported, not fatal.
 */
export async function benchQuery(opts: QueryBenchOptions = {}): Promise<QueryBenchRow[]> {
  const runs = opts.runs ?? 5;
  const { storage, manifest, reused } = await openQueryFleet({ hosts: opts.hosts, force: opts.force });
  const out: QueryBenchRow[] = [];
  try {
    console.log(fleetLine(manifest, reused));
    for (const [range, queries] of Object.entries(QUERY_BENCH_QUERIES)) {
      for (const [query, text] of Object.entries(queries)) {
        out.push({ range, query, ...(await timeQuery(storage, text, manifest.anchorMs, runs)) });
        const r = out.at(-1)!;
        console.log(`${range} ${query}: ${r.error ?? `median ${ms(r.medianMs)} ms, p95 ${ms(r.p95Ms)} ms, ${r.rows} rows from ${r.source}`}`);
      }
    }
  } finally {
    await storage.close();
  }
  console.log(`\nQuery benchmark (${runs} runs after one warm-up, wall time of runQuery on the embedded engine):\n`);
  console.log('| range | query | read from | rows | median ms | p95 ms |\n| --- | --- | --- | --- | --- | --- |');
  for (const range of Object.keys(QUERY_BENCH_QUERIES)) {
    const rows = out.filter((r) => r.range === range);
    for (const r of rows) console.log(`| ${r.range} | ${r.query} | ${r.source || '–'} | ${r.error ? `error: ${r.error}` : r.rows} | ${ms(r.medianMs)} | ${ms(r.p95Ms)} |`);
    const [lat, tp] = [rows.find((r) => r.query === 'latency')!, rows.find((r) => r.query === 'throughput')!];
    console.log(`| ${range} | latency + throughput (sum) | | | ${ms(lat.medianMs + tp.medianMs)} | ${ms(lat.p95Ms + tp.p95Ms)} |`);
  }
  for (const r of out) if (r.query === 'both' && r.result) console.log(`\n${r.range}, joined:\n\n${resultTable(r.result)}`);
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '5' }, hosts: { type: 'string', default: '2000' }, force: { type: 'boolean', default: false } } });
  await benchQuery({ runs: Number(args.runs), hosts: Number(args.hosts), force: args.force });
}
