// Golden compilations: each pipeline and the statement it becomes, kept in golden/<name>.sql for a
// person to review. `npm run test:update-golden` rewrites them; the rows these statements return on a
// fleet with known truth are checked by test/query-golden.test.ts against the real engine.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Catalog, MetricInfo } from '../catalog.ts';
import { parseQuery } from '../lang/parser.ts';
import { compile } from './compiler.ts';

const DIR = join(dirname(fileURLToPath(import.meta.url)), 'golden');
const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);

const info = (kind: 'gauge' | 'counter' | 'derive', labels: string[]): MetricInfo => ({ kinds: new Set([kind]), labelKeys: new Set(labels), series: 10 });

export const GOLDEN_CATALOG: Catalog = {
  metricNames: ['df.df_complex', 'http.requests', 'http.response_time_ms', 'interface.if_octets.rx', 'interface.if_octets.tx'],
  metrics: new Map([
    ['http.response_time_ms', info('gauge', ['service'])],
    ['http.requests', info('counter', ['service'])],
    ['interface.if_octets.rx', info('derive', ['plugin_instance'])],
    ['interface.if_octets.tx', info('derive', ['plugin_instance'])],
    ['df.df_complex', info('gauge', ['plugin_instance', 'type_instance'])],
  ]),
  assetAttrKeys: new Set(['firmware']),
  samplesDays: 30,
};

/** The worked examples of the language, in this product's metric names. */
export const GOLDEN_QUERIES: Record<string, string> = {
  'latency-by-model': 'metric "http.response_time_ms" last 24h\n| stats avg_ms = avg(value), p99_ms = p99(value), hosts = dcount(host) by hw_model\n| sort p99_ms desc',
  'throughput-by-model':
    'metric "http.requests" last 24h\n| rate\n| stats rps = avg(value) by host\n| stats hosts = count(), rps_per_host = avg(rps), p10 = pct(rps, 0.1), p90 = pct(rps, 0.9) by hw_model',
  'compare-models': 'metric "http.response_time_ms" where service = "api" last 7d\n| compare value by hw_model per host level 0.95',
  'correlate-backbone':
    'let backbone = metric "interface.if_octets.rx" where host ~ "core*" last 7d\n  | rate | stats every 5m util = max(value * 8 / 100e9);\nmetric "http.response_time_ms" last 7d\n| stats every 5m p99 = p99(value)\n| join $backbone\n| correlate util, p99 lag 0m to 30m',
  'live-tail': 'metric "http.response_time_ms" where host ~ "web-*" last 15m live\n| stats every 10s p99 = p99(value) by host\n| view timechart',
  'rate-bits': 'metric "interface.if_octets.rx" where host = "core1" and plugin_instance = "xe-0/0/0" last 6h\n| rate reset drop\n| stats every 1m fill null bps = 8 * avg(value)',
  'top-per-site': 'metric "http.response_time_ms" last 1h\n| stats slow = p99(value) by host\n| top 3 slow by site',
  'days-to-full': 'metric "df.df_complex" where plugin_instance = "data" and type_instance = "used" last 30d\n| stats every 1d used = max(value) by host\n| trend used until disk_capacity_bytes\n| where days_to_full < 60 | sort days_to_full',
  'day-over-day':
    'let today = metric "http.requests" last 24h | rate | stats every 10m rps = avg(value);\nmetric "http.requests" from now-48h to now-24h | rate | stats every 10m rps_1d_ago = avg(value)\n| shift 24h | join $today\n| eval change_pct = 100 * (rps - rps_1d_ago) / rps_1d_ago',
  'enrich-asof': 'metric "http.response_time_ms" last 90d\n| enrich asof hw_model, firmware\n| stats every 1d p99 = p99(value) by hw_model, firmware',
  outliers: 'metric "http.response_time_ms" last 24h\n| stats p99 = p99(value) by host\n| outliers p99 method tukey',
  'rollup-30d': 'metric "http.response_time_ms" last 30d\n| stats every 1h avg_ms = avg(value), p99_ms = p99(value) by hw_model',
  'rollup-rate-30d': 'metric "http.requests" last 30d\n| rate\n| stats rps = avg(value) by host',
  'changes-by-kind': 'changes last 7d\n| where kind = "deploy" and host = "web-01"\n| stats count() by kind',
};

function goldenText(name: string, text: string): string {
  const c = compile(parseQuery(text), GOLDEN_CATALOG, 'fleetscope', { now: NOW, maxResultRows: 100_000 });
  const comment = text
    .split('\n')
    .map((l) => `-- ${l}`)
    .join('\n');
  return `${comment}\n-- reads: ${c.source}\n${c.sql}\n-- params: ${JSON.stringify(c.params)}\n`;
}

describe('golden compilations', () => {
  for (const [name, text] of Object.entries(GOLDEN_QUERIES)) {
    it(name, () => {
      const path = join(DIR, `${name}.sql`);
      const actual = goldenText(name, text);
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
      expect(actual).toBe(existsSync(path) ? readFileSync(path, 'utf8') : '');
    });
  }

  it('binds every literal: the SQL text holds no string literal of its own but fixed words', () => {
    for (const text of Object.values(GOLDEN_QUERIES)) {
      const c = compile(parseQuery(text), GOLDEN_CATALOG, 'fleetscope', { now: NOW, maxResultRows: 100_000 });
      const literals = new Set([...c.sql.matchAll(/'([^']*)'/g)].map((m) => m[1]));
      for (const l of literals) expect(['UTC', 'high', 'low']).toContain(l);
      expect(Object.keys(c.params).length).toBeGreaterThan(0);
    }
  });

  it('reads rollups only for long ranges with mergeable aggregates', () => {
    const src = (t: string) => compile(parseQuery(t), GOLDEN_CATALOG, 'fleetscope', { now: NOW, maxResultRows: 10 }).source;
    expect(src(GOLDEN_QUERIES['rollup-30d'])).toBe('samples_1h');
    expect(src(GOLDEN_QUERIES['rollup-rate-30d'])).toBe('samples_1d');
    expect(src('metric "http.response_time_ms" last 30d | stats every 1d avg(value) by host')).toBe('samples_1d');
    expect(src('metric "http.response_time_ms" from now-3h to now | stats avg(value)')).toBe('samples');
    expect(src('metric "http.response_time_ms" last 3d | stats every 5m avg(value) by host')).toBe('samples_1m');
    expect(src('metric "http.response_time_ms" last 3d | stats every 90s avg(value) by host')).toBe('samples');
    expect(src('metric "http.response_time_ms" last 3d | stats stddev(value) by host')).toBe('samples');
    expect(src('metric "http.response_time_ms" last 3d | stats p95(value) by host')).toBe('samples');
    expect(src('metric "http.response_time_ms" last 24h | stats avg(value) by host')).toBe('samples');
    expect(src('metric "http.response_time_ms" where value > 10 last 3d | stats avg(value) by host')).toBe('samples');
    expect(src('metric "http.requests" last 3d | stats avg(value) by host')).toBe('samples');
  });
});
